// Package testshared locates the reference material that sits beside a
// checkout of this repository (../shared: Atlassian's OpenAPI document and
// real Jira payloads) for tests that check against it.
package testshared
