package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/internal/sqlstore"
)

var _ recipe.Coordinator = (*Store)(nil)

// Leases are rows with an expiry computed by the server's clock, so the
// processes' clocks need not agree.

// AcquireLease implements recipe.Coordinator.
func (s *Store) AcquireLease(ctx context.Context, name, owner string, ttl time.Duration) (bool, error) {
	var got string
	err := s.pool.QueryRow(ctx, `INSERT INTO leases (name, owner, expires_at) VALUES ($1, $2, clock_timestamp() + $3 * interval '1 microsecond')
		ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
		WHERE leases.owner = excluded.owner OR leases.expires_at < clock_timestamp()
		RETURNING owner`, name, owner, ttl.Microseconds()).Scan(&got)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("postgres: acquire lease %q: %w", name, err)
	}
	return got == owner, nil
}

// ReleaseLease implements recipe.Coordinator.
func (s *Store) ReleaseLease(ctx context.Context, name, owner string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM leases WHERE name = $1 AND owner = $2`, name, owner); err != nil {
		return fmt.Errorf("postgres: release lease %q: %w", name, err)
	}
	return nil
}

// claimColumns are jobColumns plus the sequence, to order what RETURNING
// gives in no particular order.
const claimColumns = jobColumns + `, seq`

// ClaimJobs implements recipe.Coordinator. Concurrent claimers skip each
// other's locked rows (FOR UPDATE SKIP LOCKED); an in-order claim is
// serialised per recipe by a transaction-scoped advisory lock.
func (s *Store) ClaimJobs(ctx context.Context, c recipe.JobClaim) ([]recipe.Job, error) {
	if c.Max <= 0 {
		return nil, nil
	}
	var jobs []recipe.Job
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var q string
		args := []any{c.Recipe, c.Owner, c.TTL.Microseconds()}
		if c.InOrder {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('recipekit.claim:' || $1, 0))`, c.Recipe); err != nil {
				return err
			}
			q = `UPDATE jobs SET lease_owner = $2, lease_until = clock_timestamp() + $3 * interval '1 microsecond'
				WHERE seq = (SELECT seq FROM jobs WHERE recipe = $1 AND status IN ('pending', 'running') ORDER BY seq LIMIT 1)
				AND (lease_until IS NULL OR lease_until < clock_timestamp())
				RETURNING ` + claimColumns
		} else {
			q = `UPDATE jobs SET lease_owner = $2, lease_until = clock_timestamp() + $3 * interval '1 microsecond'
				WHERE seq IN (SELECT seq FROM jobs WHERE recipe = $1 AND status IN ('pending', 'running')
					AND (lease_until IS NULL OR lease_until < clock_timestamp())
					ORDER BY seq LIMIT $4 FOR UPDATE SKIP LOCKED)
				RETURNING ` + claimColumns
			args = append(args, c.Max)
		}
		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		type claimed struct {
			job recipe.Job
			seq int64
		}
		got, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (claimed, error) {
			var cl claimed
			var err error
			cl.job, err = sqlstore.ScanJob(r, &cl.seq)
			return cl, err
		})
		if err != nil {
			return err
		}
		slices.SortFunc(got, func(a, b claimed) int { return int(a.seq - b.seq) })
		jobs = make([]recipe.Job, len(got))
		for i, cl := range got {
			jobs[i] = cl.job
		}
		return loadSteps(ctx, tx, jobs)
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: claim jobs of %q: %w", c.Recipe, err)
	}
	return jobs, nil
}

// RenewJobs implements recipe.Coordinator.
func (s *Store) RenewJobs(ctx context.Context, owner string, ids []string, ttl time.Duration) ([]string, error) {
	rows, err := s.pool.Query(ctx, `UPDATE jobs SET lease_until = clock_timestamp() + $3 * interval '1 microsecond'
		WHERE id = ANY($2) AND lease_owner = $1 AND status IN ('pending', 'running') RETURNING id`, owner, ids, ttl.Microseconds())
	if err != nil {
		return nil, fmt.Errorf("postgres: renew job leases: %w", err)
	}
	renewed, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("postgres: renew job leases: %w", err)
	}
	if len(renewed) == len(ids) {
		return nil, nil
	}
	// A job missing from the renewed ones finished or went to another
	// owner; only the second is a lost lease.
	rows, err = s.pool.Query(ctx, `SELECT id FROM jobs WHERE id = ANY($2) AND lease_owner <> $1 AND status IN ('pending', 'running')`, owner, ids)
	if err != nil {
		return nil, fmt.Errorf("postgres: renew job leases: %w", err)
	}
	lost, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("postgres: renew job leases: %w", err)
	}
	return lost, nil
}

// ReleaseJobs implements recipe.Coordinator.
func (s *Store) ReleaseJobs(ctx context.Context, owner string, ids []string) error {
	if _, err := s.pool.Exec(ctx, `UPDATE jobs SET lease_owner = '', lease_until = NULL WHERE id = ANY($2) AND lease_owner = $1 AND status IN ('pending', 'running')`, owner, ids); err != nil {
		return fmt.Errorf("postgres: release job leases: %w", err)
	}
	return nil
}

// Join implements recipe.Coordinator.
func (s *Store) Join(ctx context.Context, group, member string, ttl time.Duration) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO members (grp, member, expires_at) VALUES ($1, $2, clock_timestamp() + $3 * interval '1 microsecond')
		ON CONFLICT (grp, member) DO UPDATE SET expires_at = excluded.expires_at`, group, member, ttl.Microseconds())
	if err != nil {
		return fmt.Errorf("postgres: join %q: %w", group, err)
	}
	return nil
}

// Leave implements recipe.Coordinator.
func (s *Store) Leave(ctx context.Context, group, member string) (int, error) {
	var others int
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('recipekit.group:' || $1, 0))`, group); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM members WHERE grp = $1 AND (member = $2 OR expires_at < clock_timestamp())`, group, member); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT count(*) FROM members WHERE grp = $1`, group).Scan(&others)
	})
	if err != nil {
		return 0, fmt.Errorf("postgres: leave %q: %w", group, err)
	}
	return others, nil
}
