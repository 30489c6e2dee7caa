// libyaml for Swift (Debian's libyaml-dev, 0.2). Only the parser's event API is used: it hands out one event at
// a time and never builds a document tree or expands aliases itself, so the reader bounds both (alias bombs).
// The event's union members are read here so that Swift does not depend on how it imports the anonymous union.
#ifndef SWITCHYARD_CYAML_SHIM_H
#define SWITCHYARD_CYAML_SHIM_H
#include <yaml.h>

static inline const unsigned char *sy_yaml_anchor(const yaml_event_t *e) {
    switch (e->type) {
    case YAML_SCALAR_EVENT: return e->data.scalar.anchor;
    case YAML_SEQUENCE_START_EVENT: return e->data.sequence_start.anchor;
    case YAML_MAPPING_START_EVENT: return e->data.mapping_start.anchor;
    case YAML_ALIAS_EVENT: return e->data.alias.anchor;
    default: return 0;
    }
}
static inline const unsigned char *sy_yaml_tag(const yaml_event_t *e) {
    switch (e->type) {
    case YAML_SCALAR_EVENT: return e->data.scalar.tag;
    case YAML_SEQUENCE_START_EVENT: return e->data.sequence_start.tag;
    case YAML_MAPPING_START_EVENT: return e->data.mapping_start.tag;
    default: return 0;
    }
}
static inline const unsigned char *sy_yaml_scalar_value(const yaml_event_t *e) { return e->data.scalar.value; }
static inline size_t sy_yaml_scalar_length(const yaml_event_t *e) { return e->data.scalar.length; }
/// Whether a scalar was written plain (unquoted, not a block): only plain scalars get a type (number, bool, null).
static inline int sy_yaml_scalar_is_plain(const yaml_event_t *e) { return e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE; }
#endif
