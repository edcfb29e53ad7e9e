/* xml: a small, bounded XML tree for AWS replies, parsed with expat.
 *
 * Only what AWS sends is accepted: no DOCTYPE, no entity declarations, no
 * external entities or network access (parameter entity parsing is off).
 * Namespaces are dropped: element names are local names ("ec2:imageId" and
 * "imageId" are the same), so the EC2, S3, IAM and STS namespaces need no
 * handling.  Input size, node count, depth and text size are all bounded.
 *
 * Queries are by path of element names from a node: "imagesSet/item/imageId".
 */
#ifndef AMIWIZ_AWS_XML_H
#define AMIWIZ_AWS_XML_H

#include <stdbool.h>
#include <stddef.h>

#include "help/err.h"

#define XML_INPUT_MAX (16u << 20)
#define XML_NODES_MAX 200000
#define XML_DEPTH_MAX 64

struct xml_node {
	const char *name;  /* local name, never NULL */
	const char *text;  /* the element's own text, trimmed of surrounding
			    * white space; "" when none */
	struct xml_node *parent, *first_child, *last_child, *next;
};

struct xml_doc;

/* Parse `len` bytes.  Returns a document to free with xml_free(), or NULL with
 * reterr (ERR_INPUT: malformed, truncated, DOCTYPE, too big, too deep). */
struct xml_doc *xml_parse(const char *data, size_t len, struct err *reterr);

/* Free the document (NULL is fine).  Returns NULL. */
struct xml_doc *xml_free(struct xml_doc *doc);

/* The root element. */
const struct xml_node *xml_root(const struct xml_doc *doc);

/* The first descendant reached by `path` ("a/b/c", each step a child's local
 * name) from `node`, or NULL.  An empty path returns `node`. */
const struct xml_node *xml_find(const struct xml_node *node, const char *path);

/* The text at `path`, or NULL when the element is missing. */
const char *xml_text(const struct xml_node *node, const char *path);

/* The next sibling with the same name as `node`, or NULL: iterate a list with
 *   for (n = xml_find(root, "imagesSet/item"); n; n = xml_next(n)) */
const struct xml_node *xml_next(const struct xml_node *node);

/* Number of children of `node` named `name`. */
size_t xml_count(const struct xml_node *node, const char *name);

/* Helpers for typed results: copy the text at path into a fixed field ("" when
 * missing); parse a boolean ("true"), a long long (0 when missing/garbage), a
 * double. */
void xml_copy(char *dst, size_t size, const struct xml_node *node, const char *path);
bool xml_bool(const struct xml_node *node, const char *path);
long long xml_ll(const struct xml_node *node, const char *path);
double xml_double(const struct xml_node *node, const char *path);

#endif
