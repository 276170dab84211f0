// Package recipetest runs recipes in tests: [Run] runs a recipe once
// against fake triggers and actions (or a simulator such as jiratest) and
// returns its jobs for assertions.
//
// It also provides the fakes: [Events] is a trigger.Trigger that emits a
// fixed list of events, [NewAction] an action.Action that records its
// inputs and answers with a function, [InstantClock] a clock whose waits
// return at once, and [TestStore] the conformance suite every
// recipe.Store implementation must pass.
package recipetest
