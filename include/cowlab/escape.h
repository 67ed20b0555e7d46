/*
 * cowlab/escape.h — text that came from student code, made safe for JSON and XML.
 * Any byte string is accepted: invalid UTF-8 becomes U+FFFD, so the output always parses.
 */
#ifndef COWLAB_ESCAPE_H
#define COWLAB_ESCAPE_H

#include <stdio.h>

/* Write s as a JSON string literal, quotes included: \" \\ \n \r \t, other control bytes as
 * \u00XX, valid UTF-8 as is, invalid bytes as \ufffd. */
void cl_json_string(FILE *out, const char *s);

/* Write s as XML 1.0 character data (for text and attribute values): & < > " ' as entities,
 * tab/newline/CR as is, other control bytes and invalid UTF-8 as U+FFFD. */
void cl_xml_text(FILE *out, const char *s);

#endif
