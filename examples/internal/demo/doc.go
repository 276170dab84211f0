// Package demo is the offline scene of the recipekit examples: a jiratest
// simulator seeded with demo data ([StartJira]), simulated people acting
// in it ([Scene], [Beat]), and a [Reporter] that prints what the engine
// does as it happens. An example uses it only when JIRA_URL is not set;
// against a real site none of it runs, and a program copied from an
// example drops it.
package demo
