package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math/bits"
	"strings"
)

// rowsLevels is how many sizes of multi-row statement a rowsStmt has: 1,
// 2, 4 ... 64 rows. 64 rows of a job's 16 values stay well under SQLite's
// limit of 32,766 bound values.
const rowsLevels = 7

// rowsPerStatement is how many of n remaining rows the next statement
// writes: the largest prepared size up to n.
func rowsPerStatement(n int) int {
	return 1 << min(bits.Len(uint(n))-1, rowsLevels-1)
}

// rowsStmt is a statement of the form head + n × row + tail, prepared when
// the store opens for each n of 1, 2, 4 ... 64, so a batch of any size is
// written by a few statements (100 rows: 64 + 32 + 4) without preparing
// one while a transaction holds the store's connection.
type rowsStmt struct {
	head, row, tail string
	stmts           [rowsLevels]*sql.Stmt
}

func (r *rowsStmt) prepare(ctx context.Context, db *sql.DB) error {
	for level := range r.stmts {
		var b strings.Builder
		b.WriteString(r.head)
		for i := range 1 << level {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(r.row)
		}
		b.WriteString(r.tail)
		st, err := db.PrepareContext(ctx, b.String())
		if err != nil {
			return fmt.Errorf("prepare %q with %d rows: %w", r.head, 1<<level, err)
		}
		r.stmts[level] = st
	}
	return nil
}

// stmt returns the statement for n rows; n is a value of rowsPerStatement.
func (r *rowsStmt) stmt(n int) *sql.Stmt { return r.stmts[bits.Len(uint(n))-1] }

func (r *rowsStmt) close() {
	for _, st := range r.stmts {
		if st != nil {
			_ = st.Close()
		}
	}
}
