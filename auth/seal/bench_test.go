package seal_test

import (
	"testing"

	"github.com/recipekit/recipekit/internal/sealtest"
)

// BenchmarkSealOpen measures sealing and opening a webhook-secret-sized
// value: the cost a store pays per secret written or read.
func BenchmarkSealOpen(b *testing.B) {
	kr := sealtest.NewKeyring(b)
	secret := []byte("whsec-0123456789abcdef0123456789abcdef")
	sealed, err := kr.Seal(secret, "webhook secret of r")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("seal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := kr.Seal(secret, "webhook secret of r"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("open", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := kr.Open(sealed, "webhook secret of r"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
