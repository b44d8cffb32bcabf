package frontend

import (
	"context"
	"errors"
	"fmt"
	"github.com/berth/berth/access"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/catalog"
)

// tagRoutes registers tag pages (MicroBadger's view), tag diffs, badges and
// their API twins.
func (h *handlers) tagRoutes(app, api routes) {
	api.Get("/images/:ns/:name/tags", access.OnImage, h.tagsAPI)
	api.Get("/images/:ns/:name/tags/:tag", access.OnImage, h.tagAPI)
	api.Get("/images/:ns/:name/tags/:tag/pulls", access.OnImage, h.tagPullsAPI)
	api.Get("/images/:ns/:name/diff", access.OnImage, h.diffAPI)
	app.Get("/images/:ns/:name/tags/:tag", access.OnImage, h.tagPage)
	app.Get("/images/:ns/:name/diff", access.OnImage, h.diffPage)
	app.Get("/badge/:ns/:name/:tag/:file", access.OnImage, h.badge)
}

// errNoImage answers for an image that is not there or not the viewer's to see.
var errNoImage = describe(catalog.ErrNotFound, "", "no such image")

// image is a repository the viewer may look into: a catalog product's
// (their metadata is public, as on any store), or a user's or
// organisation's the viewer can see.
type image struct {
	Repo    string
	Product catalog.Product // zero for users' repositories
}

func (h *handlers) image(ctx context.Context, v viewer, ns, name string) (image, error) {
	repo := strings.ToLower(ns + "/" + name)
	slug, err := h.Products.ProductByRepository(ctx, repo)
	if err == nil {
		p, err := h.Products.ProductBySlug(ctx, slug)
		return image{Repo: repo, Product: p}, err
	} else if !errors.Is(err, catalog.ErrNotFound) {
		return image{}, err
	}
	// The route's access.OnImage decided the viewer may see it.
	if _, err := h.Repositories.Get(ctx, repo); errors.Is(err, catalog.ErrNotFound) {
		return image{}, errNoImage
	} else if err != nil {
		return image{}, err
	}
	return image{Repo: repo}, nil
}

func (h *handlers) imageTag(c *fiber.Ctx) (image, catalog.Tag, error) {
	ctx := c.UserContext()
	v, err := h.currentViewer(c)
	if err != nil {
		return image{}, catalog.Tag{}, err
	}
	img, err := h.image(ctx, v, c.Params("ns"), c.Params("name"))
	if err != nil {
		return img, catalog.Tag{}, err
	}
	t, err := h.Tags.Tag(ctx, img.Repo, c.Params("tag"))
	if errors.Is(err, catalog.ErrNotFound) {
		return img, t, describe(err, "", h.missingTag(ctx, img.Repo, c.Params("tag")))
	}
	return img, t, err
}

type layerJSON struct {
	Digest  string  `json:"digest"`
	Size    int64   `json:"size"`
	Share   float64 `json:"share"` // of the platform's compressed size
	Command string  `json:"command"`
}

type platformJSON struct {
	Platform string            `json:"platform"`
	Digest   string            `json:"digest"`
	Size     int64             `json:"size"`
	Layers   []layerJSON       `json:"layers"`
	Created  *time.Time        `json:"created,omitempty"`
	Labels   map[string]string `json:"labels"`
}

type tagJSON struct {
	Repository string         `json:"repository"`
	Name       string         `json:"name"`
	Digest     string         `json:"digest"`
	MediaType  string         `json:"media_type"`
	Signed     bool           `json:"signed"`
	PushedAt   time.Time      `json:"pushed_at"`
	Pulls      int64          `json:"pulls"`
	Platforms  []platformJSON `json:"platforms"`
	// Plugin is a Docker Engine plugin's facts; absent for images.
	Plugin *pluginJSON `json:"plugin,omitempty"`
}

// tagOf returns the API form of t; host is the registry's, for a plugin's
// install command.
func tagOf(t catalog.Tag, pulls int64, full bool, host string) tagJSON {
	out := tagJSON{Repository: t.Repository, Name: t.Name, Digest: t.Digest, MediaType: t.MediaType, Signed: t.Signed,
		PushedAt: t.PushedAt, Pulls: pulls, Platforms: []platformJSON{}, Plugin: pluginOf(t.Plugin, host, t.Repository, t.Name)}
	for _, p := range t.Platforms {
		pj := platformJSON{Platform: p.Name(), Digest: p.Digest, Size: p.Size, Layers: []layerJSON{}, Labels: p.Labels}
		if pj.Labels == nil {
			pj.Labels = map[string]string{}
		}
		if !p.Created.IsZero() {
			created := p.Created
			pj.Created = &created
		}
		if full {
			for _, l := range p.Layers {
				pj.Layers = append(pj.Layers, layerJSON{Digest: l.Digest, Size: l.Size, Share: share(l.Size, p.Size), Command: l.Command})
			}
		}
		out.Platforms = append(out.Platforms, pj)
	}
	return out
}

func share(part, total int64) float64 {
	if total <= 0 {
		return 0
	}
	return float64(part) / float64(total)
}

func (h *handlers) tagsAPI(c *fiber.Ctx) error {
	ctx := c.UserContext()
	v, err := h.currentViewer(c)
	if err != nil {
		return err
	}
	img, err := h.image(ctx, v, c.Params("ns"), c.Params("name"))
	if err != nil {
		return err
	}
	tags, err := h.Tags.Tags(ctx, img.Repo)
	if err != nil {
		return err
	}
	totals, err := h.Tags.TagPullTotals(ctx, img.Repo)
	if err != nil {
		return err
	}
	out := make([]tagJSON, 0, len(tags))
	for _, t := range tags {
		out = append(out, tagOf(t, totals[t.Name], false, h.RegistryHost))
	}
	return c.JSON(fiber.Map{"repository": img.Repo, "tags": out})
}

func (h *handlers) tagAPI(c *fiber.Ctx) error {
	img, t, err := h.imageTag(c)
	if err != nil {
		return err
	}
	totals, err := h.Tags.TagPullTotals(c.UserContext(), img.Repo)
	if err != nil {
		return err
	}
	return c.JSON(tagOf(t, totals[t.Name], true, h.RegistryHost))
}

// pullWindow is the days pull charts show.
const pullWindow = 30

func (h *handlers) dailyPulls(ctx context.Context, repo, tag string) ([]catalog.DayCount, error) {
	to := time.Now().UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
	from := to.AddDate(0, 0, -pullWindow)
	counts, err := h.Tags.TagPulls(ctx, repo, tag, from, to)
	if err != nil {
		return nil, err
	}
	// Every day of the window, with zeros.
	byDay := map[string]int64{}
	for _, d := range counts {
		byDay[d.Day] = d.Pulls
	}
	out := make([]catalog.DayCount, 0, pullWindow)
	for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
		day := d.Format("2006-01-02")
		out = append(out, catalog.DayCount{Day: day, Pulls: byDay[day]})
	}
	return out, nil
}

func (h *handlers) tagPullsAPI(c *fiber.Ctx) error {
	img, t, err := h.imageTag(c)
	if err != nil {
		return err
	}
	days, err := h.dailyPulls(c.UserContext(), img.Repo, t.Name)
	if err != nil {
		return err
	}
	type dayJSON struct {
		Day   string `json:"day"`
		Pulls int64  `json:"pulls"`
	}
	out := make([]dayJSON, 0, len(days))
	for _, d := range days {
		out = append(out, dayJSON(d))
	}
	return c.JSON(fiber.Map{"repository": img.Repo, "tag": t.Name, "days": out})
}

// tagView is the tag page.
type tagView struct {
	Image     image
	Tag       catalog.Tag
	Tags      []catalog.Tag // for the version picker and the diff form
	Pulls     int64
	Chart     template.HTML
	BadgeBase string // absolute URL of this tag's badges, without the kind
	// Pull is the command at the top: this tag, and whether the viewer's
	// license covers it.
	Pull pullBox
	// BuiltBy is the automated build that pushed this tag, if one did.
	BuiltBy *buildRow
}

func (h *handlers) tagPage(c *fiber.Ctx) error {
	// The version picker without JavaScript: ?tag= names the tag to show.
	if other := c.Query("tag"); other != "" && other != c.Params("tag") && !strings.ContainsAny(other, "/?#") {
		return c.Redirect("/images/"+c.Params("ns")+"/"+c.Params("name")+"/tags/"+url.PathEscape(other), http.StatusSeeOther)
	}
	img, t, err := h.imageTag(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	v := tagView{Image: img, Tag: t, BadgeBase: h.PublicURL + "/badge/" + img.Repo + "/" + t.Name + "/"}
	if v.Tags, err = h.Tags.Tags(ctx, img.Repo); err != nil {
		return err
	}
	totals, err := h.Tags.TagPullTotals(ctx, img.Repo)
	if err != nil {
		return err
	}
	v.Pulls = totals[t.Name]
	days, err := h.dailyPulls(ctx, img.Repo, t.Name)
	if err != nil {
		return err
	}
	v.Chart = pullChart(days)
	if v.Pull, err = h.tagPullBox(ctx, viewerOf(c), img, t); err != nil {
		return err
	}
	if v.BuiltBy, err = h.tagBuild(ctx, img.Repo, t.Name); err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "tag", img.Repo+":"+t.Name, v)
}

// diff is what changed between two tags on one platform.
type diff struct {
	From, To           catalog.Tag
	Platform           string
	Added, Removed     []catalog.Layer
	Shared             []catalog.Layer
	FromSize, ToSize   int64
	SizeDelta          int64
	Platforms          []string // platforms both tags have
	AddedSize, RemSize int64
}

// diffTags compares two tags layer by layer on a platform both have
// (platform, or the first they share).
func diffTags(from, to catalog.Tag, platform string) (diff, error) {
	d := diff{From: from, To: to}
	pick := func(t catalog.Tag, name string) (catalog.Platform, bool) {
		for _, p := range t.Platforms {
			if p.Name() == name {
				return p, true
			}
		}
		return catalog.Platform{}, false
	}
	for _, p := range from.Platforms {
		if _, ok := pick(to, p.Name()); ok {
			d.Platforms = append(d.Platforms, p.Name())
		}
	}
	if len(d.Platforms) == 0 {
		return d, badInput("to", fmt.Sprintf("%s and %s share no platform to compare", from.Name, to.Name))
	}
	if platform == "" {
		platform = d.Platforms[0]
		if slices.Contains(d.Platforms, "linux/amd64") {
			platform = "linux/amd64"
		}
	}
	a, okA := pick(from, platform)
	b, okB := pick(to, platform)
	if !okA || !okB {
		return d, badInput("platform", "both tags must have platform "+platform+"; they share "+strings.Join(d.Platforms, ", "))
	}
	d.Platform = platform
	inA, inB := map[string]bool{}, map[string]bool{}
	for _, l := range a.Layers {
		inA[l.Digest] = true
	}
	for _, l := range b.Layers {
		inB[l.Digest] = true
		if inA[l.Digest] {
			d.Shared = append(d.Shared, l)
		} else {
			d.Added = append(d.Added, l)
			d.AddedSize += l.Size
		}
	}
	for _, l := range a.Layers {
		if !inB[l.Digest] {
			d.Removed = append(d.Removed, l)
			d.RemSize += l.Size
		}
	}
	d.FromSize, d.ToSize, d.SizeDelta = a.Size, b.Size, b.Size-a.Size
	return d, nil
}

func (h *handlers) imageDiff(c *fiber.Ctx) (image, diff, error) {
	ctx := c.UserContext()
	v, err := h.currentViewer(c)
	if err != nil {
		return image{}, diff{}, err
	}
	img, err := h.image(ctx, v, c.Params("ns"), c.Params("name"))
	if err != nil {
		return img, diff{}, err
	}
	var tags [2]catalog.Tag
	for i, field := range []string{"from", "to"} {
		name := c.Query(field)
		if name == "" {
			return img, diff{}, badRequest(field, field+": name a tag")
		}
		t, err := h.Tags.Tag(ctx, img.Repo, name)
		if errors.Is(err, catalog.ErrNotFound) {
			return img, diff{}, describe(err, field, "no tag "+name+" of "+img.Repo)
		} else if err != nil {
			return img, diff{}, err
		}
		tags[i] = t
	}
	d, err := diffTags(tags[0], tags[1], c.Query("platform"))
	return img, d, err
}

func (h *handlers) diffAPI(c *fiber.Ctx) error {
	img, d, err := h.imageDiff(c)
	if err != nil {
		return err
	}
	layers := func(ls []catalog.Layer) []layerJSON {
		out := make([]layerJSON, 0, len(ls))
		for _, l := range ls {
			out = append(out, layerJSON{Digest: l.Digest, Size: l.Size, Command: l.Command})
		}
		return out
	}
	return c.JSON(fiber.Map{"repository": img.Repo, "from": d.From.Name, "to": d.To.Name, "platform": d.Platform,
		"added": layers(d.Added), "removed": layers(d.Removed), "shared": layers(d.Shared),
		"from_size": d.FromSize, "to_size": d.ToSize, "size_delta": d.SizeDelta})
}

// diffView is the diff page: the form to pick two tags, and the diff once
// both are picked.
type diffView struct {
	Image image
	Tags  []catalog.Tag
	From  string
	To    string
	Diff  *diff
	Error string
}

func (h *handlers) diffPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	v, err := h.currentViewer(c)
	if err != nil {
		return err
	}
	img, err := h.image(ctx, v, c.Params("ns"), c.Params("name"))
	if err != nil {
		return err
	}
	view := diffView{Image: img, From: c.Query("from"), To: c.Query("to")}
	if view.Tags, err = h.Tags.Tags(ctx, img.Repo); err != nil {
		return err
	}
	status := http.StatusOK
	if view.From != "" && view.To != "" {
		_, d, err := h.imageDiff(c)
		if ae, ok := clientError(err); ok {
			view.Error, status = ae.Message, ae.Status
		} else if err != nil {
			return err
		} else {
			view.Diff = &d
		}
	}
	return h.render(c, status, "diff", img.Repo+" diff", view)
}
