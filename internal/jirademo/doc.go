// Package jirademo starts the offline Jira site that the package examples
// of connector/jira and recipe run against, so that they connect to it in
// one way, written once.
package jirademo
