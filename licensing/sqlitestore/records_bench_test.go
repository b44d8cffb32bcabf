package sqlitestore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/berth/berth/internal/sqldb/sqldbtest"
	"github.com/berth/berth/licensing"
)

// BenchmarkRecordTokens writes token audit records in the batches the
// token server's Batcher sends: the cost of auditing one token.
func BenchmarkRecordTokens(b *testing.B) {
	db := sqldbtest.Open(b)
	s, err := New(context.Background(), db)
	if err != nil {
		b.Fatal(err)
	}
	const batch = 512
	records := make([]licensing.TokenRecord, batch)
	at := time.Now()
	b.ResetTimer()
	for n := 0; n < b.N; n += batch {
		for i := range records {
			records[i] = licensing.TokenRecord{ID: fmt.Sprintf("r%d-%d", n, i), At: at.Add(time.Duration(n + i)), Subject: "license:lic1",
				UserID: "u1", Kind: licensing.CredentialLicense, Credential: "lic1", Licenses: []string{"lic1"},
				Asked: []string{"repository:acme/db:pull"}, Granted: []string{"repository:acme/db:pull"}, IP: "127.0.0.1", UserAgent: "docker/27.0"}
		}
		if err := s.RecordTokens(context.Background(), records); err != nil {
			b.Fatal(err)
		}
	}
}
