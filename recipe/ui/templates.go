package ui

import (
	"fmt"
	"html/template"
)

// pagePair passes the page and one row to a nested template.
type pagePair struct {
	Page pageData
	Row  any
}

var templateFuncs = template.FuncMap{
	"pair": func(page pageData, row any) pagePair { return pagePair{page, row} },
}

func (h *Handler) parseTemplates() error {
	h.pages = map[string]*template.Template{}
	for _, page := range []string{"recipes", "recipe", "jobs", "job", "error"} {
		t, err := template.New(page).Funcs(templateFuncs).ParseFS(assets, "assets/templates/layout.html", "assets/templates/"+page+".html")
		if err != nil {
			return fmt.Errorf("ui: parse the %s page: %w", page, err)
		}
		h.pages[page] = t
	}
	return nil
}
