/*
 * cowlab/tests-lab.h — expands the including lab's tests.def into the designated initialisers
 * of struct cl_lab that come from the registry: the student's files (CL_LAB) and the tests
 * that measure no memory (CL_PURE, which the hygiene test runs under valgrind). Include it
 * inside the lab's cl_this_lab initialiser:
 *
 *     const struct cl_lab cl_this_lab = {
 *     #include "cowlab/tests-lab.h"
 *         .slug = "01-fork-cow",
 *         ...
 *
 * No include guard: that is the point.
 */
#define CL_LAB(slug, title, files_) .files = files_,
#define CL_PURE(names)              .pure = names,
#define CL_NEEDS(fact, names)
#define CL_VISIBILITY(visibility, names)
#define CL_HINT(...)
#define CL_TEST(name, points, timeout, about)
#include "tests.def"
#undef CL_TEST
#undef CL_PURE
#undef CL_NEEDS
#undef CL_VISIBILITY
#undef CL_HINT
#undef CL_LAB
