package jira

import (
	"context"
	"iter"
	"net/url"
)

// caller sends one request and decodes its answer into v: the Client, or a
// service whose API needs more than the Client sends (the servicedeskapi's
// experimental opt-in).
type caller interface {
	call(ctx context.Context, method, path string, query url.Values, body, v any) (*Response, error)
}

// callJSON sends a request and decodes the answer into a new T; it is the
// body of every service call that returns one value.
func callJSON[T any](ctx context.Context, c caller, method, path string, query url.Values, body any) (T, *Response, error) {
	var out T
	resp, err := c.call(ctx, method, path, query, body, &out)
	return out, resp, err
}

// allPages iterates over every item of a paged list whose page call says
// in Response.IsLast whether another page follows. page returns the page
// that starts at item startAt.
func allPages[T any](ctx context.Context, page func(ctx context.Context, startAt int) ([]T, *Response, error)) iter.Seq2[T, error] {
	return pages(ctx, func(ctx context.Context, startAt int) ([]T, bool, error) {
		items, resp, err := page(ctx, startAt)
		if err != nil {
			return nil, false, err
		}
		return items, resp.IsLast, nil
	})
}

// sliceIter iterates over the items of a list Jira returns whole, in one
// answer: list called with arg.
func sliceIter[T, A any](ctx context.Context, arg A, list func(context.Context, A) ([]T, *Response, error)) iter.Seq2[T, error] {
	return pages(ctx, func(ctx context.Context, _ int) ([]T, bool, error) {
		items, _, err := list(ctx, arg)
		return items, true, err
	})
}

// startAtSetter is an options type that embeds ListOptions.
type startAtSetter[O any] interface {
	*O
	setStartAt(int)
}

func (o *ListOptions) setStartAt(startAt int) { o.StartAt = startAt }

// listAll iterates over every item of list, calling it with opts moved to
// each page in turn.
func listAll[T, O any, PO startAtSetter[O]](ctx context.Context, opts O, list func(context.Context, O) ([]T, *Response, error)) iter.Seq2[T, error] {
	return allPages(ctx, func(ctx context.Context, startAt int) ([]T, *Response, error) {
		o := opts
		PO(&o).setStartAt(startAt)
		return list(ctx, o)
	})
}
