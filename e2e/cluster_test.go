package e2e

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"testing"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/server"
)

// clusterConfig is what two instances of one store share: one FerretDB,
// no demo data, one token audience, and one fresh KEK, so that both
// unseal the same signing keys.
func clusterConfig(t *testing.T) server.Config {
	t.Helper()
	kek := make([]byte, 32)
	_, err := rand.Read(kek)
	must(t, err)
	cfg := config(t, backend{name: "mongodb", mongo: true})
	cfg.Demo = false
	cfg.KEK = base64.StdEncoding.EncodeToString(kek)
	cfg.RegistryService = "berth-cluster"
	return cfg
}

// startPair starts two instances of cfg, each with a data directory of
// its own.
func startPair(t *testing.T, cfg server.Config) (a, b *instance) {
	t.Helper()
	cfgB := cfg
	cfgB.DataDir = t.TempDir()
	return start(t, cfg), start(t, cfgB)
}

// putFreeProduct lists, through in's catalog store, a product shipping
// repo with one free Express tier.
func putFreeProduct(t *testing.T, in *instance, slug, name, repo string) {
	t.Helper()
	_, err := in.srv.Backend.Stores.Catalog.PutProduct(context.Background(), catalog.Product{Slug: slug, Name: name, Publisher: "berthlabs",
		Kind: catalog.KindImage, Repositories: []string{repo},
		Tiers: []catalog.Tier{{ID: "express", Name: "Express", Currency: "usd", Repositories: []string{repo}}}})
	must(t, err)
}
