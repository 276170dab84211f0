// Package markup converts between the rich-text formats a Jira integration
// meets: Markdown (what people write), Jira wiki markup (what REST API v2
// reads and writes on Cloud and Data Center) and the Atlassian Document
// Format (ADF, what Jira Cloud's v3 API, webhooks and some v2 answers carry).
//
//	wiki := markup.MarkdownToWiki("## Steps\n1. open **Settings**\n2. see `x`")
//	// "h2. Steps\n# open *Settings*\n# see {{x}}"
//	md := markup.WikiToMarkdown(issue.Fields.Description)
//	txt := markup.WikiToText(comment.Body)
//	md, err := markup.ADFToMarkdown(rawADF)
//
// # What is converted
//
// Headings, paragraphs and hard line breaks, strong, emphasis, strikethrough,
// inline code, fenced code blocks (with their language), block quotes,
// bulleted and numbered lists (nested and mixed), tables with a header row,
// horizontal rules, links, images and mentions.
//
// Mentions have no Markdown syntax, so both directions write them as Jira
// does: [~accountid:5b10ac8d82e05b22cc7d4ef5] on Cloud, [~jsmith] on Data
// Center. ADF mentions become the same form.
//
// Characters that would start wiki markup in plain Markdown text (a lone
// asterisk, braces, brackets, a pipe, ...) are escaped with a backslash, so
// text shows in Jira as it was written; Markdown punctuation coming from
// wiki text is escaped the same way. Wiki constructs Markdown cannot express
// (underline, colour, superscript, citations, panels) keep their text and
// drop their styling.
//
// The conversions never fail on odd input: text that does not parse as a
// construct is kept as text. Only ADFToMarkdown returns an error, for input
// that is not JSON.
package markup
