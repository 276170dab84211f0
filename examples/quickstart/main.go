// Command quickstart runs the "acknowledge new issues" recipe.
package main

import "fmt"

func main() {
	fmt.Println("recipekit quickstart")
}
