// Package jql parses and evaluates the subset of Jira Query Language that
// integrations use, with Jira's own semantics where they matter to a client:
//
//   - fields project, key (issuekey, issue, id), status, issuetype (type),
//     assignee, reporter, creator, labels, priority, created (createdDate),
//     updated (updatedDate), resolutiondate (resolved), duedate (due),
//     summary, description, comment, text, resolution, and custom fields
//     written cf[10010], customfield_10010 or by quoted name;
//   - operators = != IN NOT IN < <= > >= ~ !~ IS IS NOT, the keywords AND,
//     OR, NOT (also &&, ||, !), parentheses, precedence NOT > AND > OR, and
//     ORDER BY with up to seven fields;
//   - functions currentUser(), now(), startOfDay(), endOfDay(),
//     startOfWeek(), endOfWeek(), startOfMonth(), endOfMonth(),
//     startOfYear() and endOfYear(), the date ones with an optional
//     increment such as "-1d" or "+2w";
//   - date literals "yyyy-MM-dd HH:mm", "yyyy/MM/dd HH:mm", "yyyy-MM-dd" and
//     "yyyy/MM/dd" read in the calling user's time zone with minute precision,
//     epoch milliseconds (exact), and periods relative to now ("-15m",
//     "-2h", "-1d", "-1w", "4w 2d", "+1d").
//
// [Parse] turns text into a [Query]; [Query.Compile] resolves time zones,
// relative dates and currentUser() once for a caller and returns a
// [Matcher] whose Match is allocation-free, for searching many issues.
// Issues are presented through the [Record] interface, so the package knows
// nothing about how the caller stores them.
//
// Errors are [*Error] values whose text follows Jira's messages, so a Jira
// simulator can return them verbatim in a 400 body.
//
// Semantics worth knowing, all as Jira behaves:
//
//   - != and NOT IN never match an issue whose field is empty; add
//     "OR field IS EMPTY" to include those. NOT (...) is a plain logical
//     negation and does include them.
//   - Comparisons of names (status, project, users, labels...) ignore case.
//   - key < and > compare issue numbers within the literal's project only.
//   - priority > Low means "more important than Low": a smaller rank as
//     answered by [Record.Rank]. ORDER BY priority DESC lists the most
//     important first.
//   - ~ matches words regardless of case and order; a value wrapped in
//     inner quotes (summary ~ "\"login failed\"") is an exact phrase; a
//     trailing * matches a word prefix. Words are not stemmed.
//   - Empty values sort after every other value in ascending order.
//   - startOfWeek() starts on Sunday.
package jql
