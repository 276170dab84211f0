package markup_test

import (
	"context"
	"fmt"

	"github.com/recipekit/recipekit/connector/jira/markup"
	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/recipetest"
)

func ExampleMarkdownToWiki() {
	fmt.Println(markup.MarkdownToWiki("## Steps\n1. open **Settings**\n2. run `make`\n\nSee [the runbook](https://example.com/rb)."))
	// Output:
	// h2. Steps
	//
	// # open *Settings*
	// # run {{make}}
	//
	// See [the runbook|https://example.com/rb].
}

func ExampleWikiToMarkdown() {
	fmt.Println(markup.WikiToMarkdown("h3. Impact\n* *all* EU customers\n* since {{10:42}}\n\n||System||State||\n|billing|down|"))
	// Output:
	// ### Impact
	//
	// - **all** EU customers
	// - since `10:42`
	//
	// | System | State |
	// | --- | --- |
	// | billing | down |
}

// Pills convert rich text when the converters are given to the recipe
// with recipe.Func: here a ticket written in Markdown becomes a Jira
// comment in wiki markup.
func Example_pillHelpers() {
	type ticket struct {
		Body string `expr:"body"`
	}
	type commentIn struct {
		Body string `expr:"body"`
	}
	post := recipetest.NewAction("post_comment", func(ctx context.Context, in commentIn) (struct{}, error) {
		fmt.Println(in.Body)
		return struct{}{}, nil
	})
	r, err := recipe.New("desk-to-jira", recipetest.Data(ticket{Body: "Customer says: **printer** is _on fire_"}),
		recipe.Func("markdown_to_wiki", markup.MarkdownToWiki),
		recipe.Func("wiki_to_markdown", markup.WikiToMarkdown),
		recipe.Do("post", post, recipe.Pills{"body": `markdown_to_wiki(trigger.body)`}),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	eng := recipe.NewEngine(recipe.NewMemoryStore())
	if err := eng.Add(r); err != nil {
		fmt.Println(err)
		return
	}
	if _, err := eng.RunOnce(context.Background()); err != nil {
		fmt.Println(err)
	}
	// Output:
	// Customer says: *printer* is _on fire_
}
