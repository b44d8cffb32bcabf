package publishing

import (
	"context"
	"crypto"
	"errors"
	"strings"

	"github.com/berth/berth/internal/failpoint"
	"github.com/berth/berth/plugin"
	"github.com/berth/berth/publisher"
	"github.com/berth/berth/signing"
)

// outcome is what one attempt found: wait for a signature, a rejection
// with its reason, or success with the key that verified.
type outcome struct {
	wait     bool
	rejected string
	key      string
}

// verifyAndPromote verifies the upload's signature and promotes it. Each
// promotion step is idempotent, so that a worker that takes the job over
// after a crash mid-promotion repeats them safely: Copy writes the same
// digest, Attach signs only where no signature by Berth's key over the
// same payload is there, and the catalog record is an upsert.
func (p *Pipeline) verifyAndPromote(ctx context.Context, u publisher.Upload) (outcome, error) {
	keys, names, err := p.activeKeys(ctx, u.Publisher)
	if err != nil {
		return outcome{}, err
	}
	sigs, err := p.registry.Signatures(ctx, u.Staging, u.Digest)
	if err != nil {
		return outcome{}, err
	}
	if len(sigs) == 0 {
		return outcome{wait: true}, nil
	}
	if len(keys) == 0 {
		return outcome{rejected: "unknown key: the publisher has no active signing key; register one, then push again"}, nil
	}
	reference := func(ref string) bool { return ref == u.Staging || strings.HasSuffix(ref, "/"+u.Staging) }
	i, err := signing.VerifyImage(sigs, u.Digest, reference, keys)
	var failure *signing.Failure
	if errors.As(err, &failure) {
		return outcome{rejected: err.Error()}, nil
	} else if err != nil {
		return outcome{}, err
	}
	if why, err := p.kindMismatch(ctx, u); err != nil {
		return outcome{}, err
	} else if why != "" {
		return outcome{rejected: why}, nil
	}
	if err := p.registry.Copy(ctx, u.Staging, u.Target, u.Digest, u.Tag); err != nil {
		return outcome{}, err
	}
	if err := p.registry.Attach(ctx, u.Target, u.Digest, p.cfg.RegistryHost+"/"+u.Target, p.signer); err != nil {
		return outcome{}, err
	}
	// A crash here leaves the tag promoted and counter-signed but neither
	// recorded in the catalog nor the upload marked: the next lease holder
	// repeats the copy and the signature, which must change nothing.
	failpoint.Hit("publishing-after-sign")
	if err := p.catalog.RecordSignedTag(ctx, u.Target, u.Tag); err != nil {
		return outcome{}, err
	}
	return outcome{key: names[i]}, nil
}

// kindMismatch says why an upload cannot go to its listing: a listing of
// kind plugin holds Docker Engine managed plugins only, and an image
// listing no plugins. A repository no listing names yet takes either.
func (p *Pipeline) kindMismatch(ctx context.Context, u publisher.Upload) (string, error) {
	listed, err := p.catalog.ListingKind(ctx, u.Target)
	if err != nil || listed == "" {
		return "", err
	}
	raw, err := p.registry.Manifest(ctx, u.Staging, u.Digest)
	if err != nil {
		return "", err
	}
	got := plugin.KindOf(raw)
	switch {
	case listed == string(plugin.KindPlugin) && got != plugin.KindPlugin:
		return u.Target + " is listed as a Docker Engine plugin, and this upload is not one (its config is not " +
			plugin.ConfigMediaType + "): push the plugin with `docker plugin push`", nil
	case listed != string(plugin.KindPlugin) && got == plugin.KindPlugin:
		return u.Target + " is listed as an image, and this upload is a Docker Engine plugin: list plugins under a product of kind plugin", nil
	}
	return "", nil
}

// activeKeys parses a publisher's unrevoked keys, with their names.
func (p *Pipeline) activeKeys(ctx context.Context, publisherID string) ([]crypto.PublicKey, []string, error) {
	stored, err := p.store.Keys(ctx, publisherID)
	if err != nil {
		return nil, nil, err
	}
	var keys []crypto.PublicKey
	var names []string
	for _, k := range stored {
		if !k.RevokedAt.IsZero() {
			continue
		}
		pub, err := signing.ParsePublicKey([]byte(k.PEM))
		if err != nil {
			p.log.Warn("skipping a stored key that does not parse", "key", k.ID, "err", err)
			continue
		}
		keys = append(keys, pub)
		names = append(names, k.Name)
	}
	return keys, names, nil
}
