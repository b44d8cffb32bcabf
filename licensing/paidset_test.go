package licensing

import (
	"context"
	"testing"
)

// testIndex builds a repository index from tags to images, each image a
// config and its layers, and indexes of images.
type testImage struct {
	digest, config string
	layers         []string
	children       []testImage
}

func testIndex(tags map[string]testImage) *repoIndex {
	x := &repoIndex{tags: map[string]tagEntry{}, reach: map[string]map[string]bool{}, media: map[string]string{}, refs: map[string]manifestRefs{}}
	var add func(img testImage) map[string]bool
	add = func(img testImage) map[string]bool {
		refs := manifestRefs{digest: img.digest, config: img.config, layers: img.layers}
		reach := map[string]bool{img.digest: true}
		if img.config != "" {
			reach[img.config] = true
		}
		for _, l := range img.layers {
			reach[l] = true
		}
		for _, c := range img.children {
			refs.children = append(refs.children, c.digest)
			for d := range add(c) {
				reach[d] = true
			}
		}
		x.refs[img.digest], x.reach[img.digest], x.media[img.digest] = refs, reach, "application/vnd.oci.image.manifest.v1+json"
		return reach
	}
	for tag, img := range tags {
		add(img)
		x.tags[tag] = tagEntry{digest: img.digest}
	}
	return x
}

func TestPaidSet(t *testing.T) {
	free := testImage{digest: "m-free", config: "c-free", layers: []string{"debian", "f1"}}
	paid := testImage{digest: "m-paid", config: "c-paid", layers: []string{"debian", "p1", "p2"}}
	agent := testImage{digest: "m-agent", config: "c-agent", layers: []string{"alpine", "a1"}}
	multi := testImage{digest: "m-index", children: []testImage{{digest: "m-arm", config: "c-arm", layers: []string{"arm1"}}}}
	indexes := map[string]*repoIndex{
		"acme/db":       testIndex(map[string]testImage{"1.0": free, "2.0": paid, "sha256-" + sixtyFour + ".sig": {digest: "m-sig", layers: []string{"sig"}}}),
		"acme/agent":    testIndex(map[string]testImage{"1.0": agent, "2.0": multi}),
		"acme/base":     testIndex(map[string]testImage{"3.19": {digest: "m-alpine", config: "c-alpine", layers: []string{"alpine"}}}),
		"acme/unlisted": testIndex(map[string]testImage{"1.0": {digest: "m-other", layers: []string{"o1"}}}),
	}
	shipped := []Shipped{
		// A free tier covers 1.x of acme/db; its paid tiers all of it.
		{Repository: "acme/db", Product: "acme-db", Paid: true, Free: []Entitlement{{TagPattern: "1.*"}}},
		{Repository: "acme/agent", Product: "acme-db", Paid: true},
		// A free product shipping the alpine base.
		{Repository: "acme/base", Product: "alpine", Free: []Entitlement{{}}},
		// Only a free tier, and it covers none of the tags: nothing paid.
		{Repository: "acme/unlisted", Product: "other", Free: []Entitlement{{TagPattern: "9.*"}}},
	}
	p, err := buildPaidSet(context.Background(), shipped, func(_ context.Context, repo string) (*repoIndex, error) { return indexes[repo], nil })
	if err != nil {
		t.Fatal(err)
	}

	blobs := []struct {
		digest      string
		paid, layer bool
	}{
		{"m-paid", true, false}, {"c-paid", true, false}, {"p1", true, true}, {"p2", true, true},
		{"m-free", false, false}, {"c-free", false, false}, {"f1", false, false},
		{"debian", false, false}, // a free tag's image has it: a shared base
		{"alpine", false, false}, // a free product ships it
		{"a1", true, true}, {"m-arm", true, false}, {"m-index", true, false}, {"arm1", true, true},
		{"m-sig", false, false}, {"sig", false, false}, {"m-other", false, false}, {"o1", false, false},
	}
	for _, b := range blobs {
		ref, layer, ok := p.blob(b.digest)
		if ok != b.paid || (ok && layer != b.layer) {
			t.Errorf("blob(%s) = %+v layer=%v paid=%v; want paid=%v layer=%v", b.digest, ref, layer, ok, b.paid, b.layer)
		}
	}
	if ref, _, _ := p.blob("c-paid"); ref != (paidRef{Product: "acme-db", Repository: "acme/db"}) {
		t.Errorf("c-paid belongs to %+v; want acme-db's acme/db", ref)
	}

	manifests := []struct {
		name string
		m    manifestRefs
		paid bool
	}{
		{"the paid image itself", manifestRefs{digest: "m-paid"}, true},
		{"another manifest of the paid config", manifestRefs{digest: "new", config: "c-paid", layers: []string{"x"}}, true},
		{"an image built on the paid one", manifestRefs{digest: "new", config: "c-new", layers: []string{"debian", "p1", "p2", "mine"}}, true},
		{"every paid layer, without the free base", manifestRefs{digest: "new", config: "c-new", layers: []string{"p1", "p2"}}, true},
		{"an index naming a paid image", manifestRefs{digest: "new", children: []string{"m-arm"}}, true},
		{"sharing the base only", manifestRefs{digest: "new", config: "c-new", layers: []string{"debian", "mine"}}, false},
		{"sharing some paid layers", manifestRefs{digest: "new", config: "c-new", layers: []string{"debian", "p1", "mine"}}, false},
		{"the free tag's image", manifestRefs{digest: "m-free", config: "c-free", layers: []string{"debian", "f1"}}, false},
		{"built on the free base product", manifestRefs{digest: "new", config: "c-new", layers: []string{"alpine", "mine"}}, false},
	}
	for _, tt := range manifests {
		if _, got := p.verdict(tt.m); got != tt.paid {
			t.Errorf("%s: paid = %v; want %v", tt.name, got, tt.paid)
		}
	}

	public := testIndex(map[string]testImage{"mine": {digest: "m-mine", config: "c-mine", layers: []string{"debian", "p1", "mine"}}})
	if !p.servedByTag(public, "p1") {
		t.Error("a paid layer shared by an accepted image is not served")
	}
	if p.servedByTag(public, "p2") {
		t.Error("a paid layer no tag reaches is served")
	}
	copied := testIndex(map[string]testImage{"copy": paid})
	if p.servedByTag(copied, "p1") {
		t.Error("a paid layer reached only through a copy of the paid image is served")
	}
}

const sixtyFour = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
