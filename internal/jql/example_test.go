package jql_test

import (
	"fmt"
	"time"
	_ "time/tzdata" // examples and tests must not depend on the host's zone database

	"github.com/recipekit/recipekit/internal/jql"
)

// issue is a minimal Record.
type issue struct {
	fields  map[string][]string
	updated time.Time
}

func (i issue) Values(field string) []string { return i.fields[field] }

func (i issue) Time(field string) (time.Time, bool) {
	if field == "updated" {
		return i.updated, true
	}
	return time.Time{}, false
}

func (i issue) Rank(field, value string) (int, bool) { return 0, false }

func Example() {
	q, err := jql.Parse(`project = DEMO AND updated >= "2024-03-01 09:00" AND status != Done ORDER BY updated DESC`)
	if err != nil {
		fmt.Println(err)
		return
	}
	auckland, err := time.LoadLocation("Pacific/Auckland")
	if err != nil {
		fmt.Println(err)
		return
	}
	m, err := q.Compile(jql.Env{Location: auckland})
	if err != nil {
		fmt.Println(err)
		return
	}
	i := issue{
		fields:  map[string][]string{"project": {"DEMO", "10000"}, "status": {"In Progress"}},
		updated: time.Date(2024, 2, 29, 20, 0, 0, 0, time.UTC), // 09:00 on March 1st in Auckland
	}
	fmt.Println(q)
	fmt.Println(m.Match(i))

	_, err = jql.Parse(`project = DEMO status = Done`)
	fmt.Println(err)
	// Output:
	// project = DEMO AND updated >= "2024-03-01 09:00" AND status != Done ORDER BY updated DESC
	// true
	// Error in the JQL Query: Expecting either 'OR' or 'AND' but got 'status'. (line 1, character 16)
}
