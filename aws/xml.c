#include "aws/xml.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "aws/awsutil.h"
#include "help/dynbuf.h"

/* Nodes and strings live in chunks that never move, so node pointers stay
 * valid while the tree grows. */
struct chunk {
	struct chunk *next;
	size_t used, size;
	_Alignas(max_align_t) char mem[];
};

struct xml_doc {
	struct chunk *chunks;
	struct xml_node *root;
	/* parse state */
	XML_Parser parser;
	struct xml_node *cur;
	int depth;
	size_t n_nodes;
	struct dynbuf text; /* text of the innermost open element */
	struct err *err;
	bool failed;
};

static void *doc_alloc(struct xml_doc *d, size_t size)
{
	size = (size + _Alignof(max_align_t) - 1) & ~(_Alignof(max_align_t) - 1);
	if (!d->chunks || d->chunks->size - d->chunks->used < size) {
		size_t csize = size > 65536 ? size : 65536;
		struct chunk *c = malloc(sizeof(*c) + csize);
		if (!c)
			return NULL;
		c->next = d->chunks;
		c->used = 0;
		c->size = csize;
		d->chunks = c;
	}
	void *p = d->chunks->mem + d->chunks->used;
	d->chunks->used += size;
	return p;
}

static char *doc_strndup(struct xml_doc *d, const char *s, size_t len)
{
	char *p = doc_alloc(d, len + 1);
	if (p) {
		memcpy(p, s, len);
		p[len] = '\0';
	}
	return p;
}

static void fail(struct xml_doc *d, const char *msg)
{
	if (!d->failed) {
		d->failed = true;
		err_set(d->err, ERR_INPUT, 0, "the reply is not acceptable XML: %s", msg);
	}
	XML_StopParser(d->parser, XML_FALSE);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* store the open element's text (trimmed) and forget it */
static int flush_text(struct xml_doc *d)
{
	const char *s = dyn_ptr(&d->text);
	size_t len = dyn_len(&d->text);
	while (len && is_space(*s)) {
		s++;
		len--;
	}
	while (len && is_space(s[len - 1]))
		len--;
	if (len && d->cur) {
		/* mixed content: keep the first run only, which is all AWS sends */
		if (!d->cur->text[0]) {
			char *t = doc_strndup(d, s, len);
			if (!t)
				return -1;
			d->cur->text = t;
		}
	}
	dyn_reset(&d->text);
	return 0;
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct xml_doc *d = ud;
	if (d->failed)
		return;
	if (++d->depth > XML_DEPTH_MAX) {
		fail(d, "elements nested too deeply");
		return;
	}
	if (++d->n_nodes > XML_NODES_MAX) {
		fail(d, "too many elements");
		return;
	}
	if (d->cur == NULL && d->root) {
		fail(d, "more than one root element");
		return;
	}
	if (flush_text(d) < 0) {
		fail(d, "out of memory");
		return;
	}
	const char *local = strrchr(name, ':');
	local = local ? local + 1 : name;
	struct xml_node *n = doc_alloc(d, sizeof(*n));
	char *nm = n ? doc_strndup(d, local, strlen(local)) : NULL;
	if (!nm) {
		fail(d, "out of memory");
		return;
	}
	memset(n, 0, sizeof(*n));
	n->name = nm;
	n->text = "";
	n->parent = d->cur;
	if (d->cur) {
		if (d->cur->last_child)
			d->cur->last_child->next = n;
		else
			d->cur->first_child = n;
		d->cur->last_child = n;
	} else {
		d->root = n;
	}
	d->cur = n;
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
	struct xml_doc *d = ud;
	if (d->failed)
		return;
	if (flush_text(d) < 0) {
		fail(d, "out of memory");
		return;
	}
	d->depth--;
	if (d->cur)
		d->cur = d->cur->parent;
}

static void XMLCALL on_chars(void *ud, const XML_Char *s, int len)
{
	struct xml_doc *d = ud;
	if (d->failed || !d->cur)
		return;
	if (dyn_add(&d->text, s, (size_t)len) < 0)
		fail(d, "an element's text is too long");
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
			       const XML_Char *pubid, int has_internal_subset)
{
	fail(ud, "it has a DOCTYPE declaration, which AWS never sends");
}

static void XMLCALL on_entity(void *ud, const XML_Char *name, int is_param,
			      const XML_Char *value, int value_len, const XML_Char *base,
			      const XML_Char *sysid, const XML_Char *pubid, const XML_Char *notation)
{
	fail(ud, "it declares entities, which AWS never sends");
}

static int XMLCALL on_external(XML_Parser p, const XML_Char *context, const XML_Char *base,
			       const XML_Char *sysid, const XML_Char *pubid)
{
	return XML_STATUS_ERROR; /* never fetch anything */
}

struct xml_doc *xml_parse(const char *data, size_t len, struct err *reterr)
{
	if (len > XML_INPUT_MAX) {
		err_set(reterr, ERR_INPUT, 0, "the XML reply is larger than %u bytes",
			XML_INPUT_MAX);
		return NULL;
	}
	struct xml_doc *d = calloc(1, sizeof(*d));
	if (!d) {
		err_sys(reterr, ENOMEM, "parsing XML");
		return NULL;
	}
	d->err = reterr;
	dyn_init(&d->text, len + 1);
	d->parser = XML_ParserCreate(NULL);
	if (!d->parser) {
		err_sys(reterr, ENOMEM, "parsing XML");
		goto fail;
	}
	XML_SetUserData(d->parser, d);
	XML_SetElementHandler(d->parser, on_start, on_end);
	XML_SetCharacterDataHandler(d->parser, on_chars);
	XML_SetStartDoctypeDeclHandler(d->parser, on_doctype);
	XML_SetEntityDeclHandler(d->parser, on_entity);
	XML_SetExternalEntityRefHandler(d->parser, on_external);
	XML_SetParamEntityParsing(d->parser, XML_PARAM_ENTITY_PARSING_NEVER);
	if (XML_Parse(d->parser, data, (int)len, XML_TRUE) != XML_STATUS_OK) {
		if (!d->failed) {
			d->failed = true;
			enum XML_Error code = XML_GetErrorCode(d->parser);
			err_set(reterr, ERR_INPUT, 0,
				"the reply is not well-formed XML (%s at line %lu)",
				XML_ErrorString(code),
				(unsigned long)XML_GetCurrentLineNumber(d->parser));
		}
		goto fail;
	}
	if (d->failed)
		goto fail;
	if (!d->root) {
		err_set(reterr, ERR_INPUT, 0, "the reply holds no XML element");
		goto fail;
	}
	XML_ParserFree(d->parser);
	d->parser = NULL;
	dyn_free(&d->text);
	return d;
fail:
	xml_free(d);
	return NULL;
}

struct xml_doc *xml_free(struct xml_doc *doc)
{
	if (!doc)
		return NULL;
	if (doc->parser)
		XML_ParserFree(doc->parser);
	dyn_free(&doc->text);
	while (doc->chunks) {
		struct chunk *c = doc->chunks;
		doc->chunks = c->next;
		free(c);
	}
	free(doc);
	return NULL;
}

const struct xml_node *xml_root(const struct xml_doc *doc)
{
	return doc ? doc->root : NULL;
}

const struct xml_node *xml_find(const struct xml_node *node, const char *path)
{
	if (!node || !path)
		return NULL;
	while (*path) {
		const char *slash = strchr(path, '/');
		size_t len = slash ? (size_t)(slash - path) : strlen(path);
		const struct xml_node *c;
		for (c = node->first_child; c; c = c->next)
			if (strlen(c->name) == len && memcmp(c->name, path, len) == 0)
				break;
		if (!c)
			return NULL;
		node = c;
		path += len;
		if (*path == '/')
			path++;
	}
	return node;
}

const char *xml_text(const struct xml_node *node, const char *path)
{
	const struct xml_node *n = xml_find(node, path);
	return n ? n->text : NULL;
}

const struct xml_node *xml_next(const struct xml_node *node)
{
	if (!node)
		return NULL;
	for (const struct xml_node *n = node->next; n; n = n->next)
		if (strcmp(n->name, node->name) == 0)
			return n;
	return NULL;
}

size_t xml_count(const struct xml_node *node, const char *name)
{
	size_t n = 0;
	if (!node)
		return 0;
	for (const struct xml_node *c = node->first_child; c; c = c->next)
		if (strcmp(c->name, name) == 0)
			n++;
	return n;
}

void xml_copy(char *dst, size_t size, const struct xml_node *node, const char *path)
{
	aws_strlcpy(dst, xml_text(node, path), size);
}

bool xml_bool(const struct xml_node *node, const char *path)
{
	const char *t = xml_text(node, path);
	return t && strcmp(t, "true") == 0;
}

long long xml_ll(const struct xml_node *node, const char *path)
{
	const char *t = xml_text(node, path);
	if (!t || !*t)
		return 0;
	char *end;
	errno = 0;
	long long v = strtoll(t, &end, 10);
	return (errno || *end) ? 0 : v;
}

double xml_double(const struct xml_node *node, const char *path)
{
	const char *t = xml_text(node, path);
	if (!t || !*t)
		return 0;
	char *end;
	double v = strtod(t, &end);
	return *end ? 0 : v;
}
