/*
 * cowlab/tests-table.h — expands the including lab's tests.def into struct cl_test
 * initialisers. Include it inside the lab's array, with a test_NAME function defined for
 * every CL_TEST(NAME, ...):
 *
 *     static const struct cl_test my_tests[] = {
 *     #include "cowlab/tests-table.h"
 *     };
 *
 * No include guard: that is the point.
 */
#define CL_LAB(slug, title, files)
#define CL_PURE(names)
#define CL_NEEDS(fact, names)
#define CL_VISIBILITY(visibility, names)
#define CL_HINT(...)
#define CL_TEST(name, points, timeout, about) {#name, test_##name, points, timeout, about},
#include "tests.def"
#undef CL_TEST
#undef CL_PURE
#undef CL_NEEDS
#undef CL_VISIBILITY
#undef CL_HINT
#undef CL_LAB
