package licensing

import (
	"fmt"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/Masterminds/semver/v3"
)

// Validate reports a version range or tag pattern that cannot be evaluated,
// naming the field, so that a tier is never saved with a rule that would
// deny every pull.
func (e Entitlement) Validate() error {
	if e.Versions != "" {
		if _, err := semver.NewConstraint(e.Versions); err != nil {
			return fmt.Errorf("versions %q is not a semantic-version range (such as \">=2.0.0 <3.0.0\"): %v", e.Versions, err)
		}
	}
	if e.TagPattern != "" {
		if _, err := path.Match(e.TagPattern, ""); err != nil {
			return fmt.Errorf("tag pattern %q is not a valid glob (such as \"2.*\")", e.TagPattern)
		}
	}
	return nil
}

// Validate reports a quota that cannot be counted.
func (q Quota) Validate() error {
	if q.Pulls < 0 {
		return fmt.Errorf("pull quota must not be negative")
	}
	if q.Pulls > 0 && q.Period != PerDay && q.Period != PerMonth {
		return fmt.Errorf("quota period must be %q or %q", PerDay, PerMonth)
	}
	return nil
}

// Restricted reports whether the entitlement limits tags at all.
func (e Entitlement) Restricted() bool { return e.Versions != "" || e.TagPattern != "" }

// Describe says in words which tags the entitlement allows.
func (e Entitlement) Describe() string {
	var parts []string
	if e.Versions != "" {
		parts = append(parts, "versions "+e.Versions)
	}
	if e.TagPattern != "" {
		parts = append(parts, "tags matching "+e.TagPattern)
	}
	if len(parts) == 0 {
		return "every tag"
	}
	return strings.Join(parts, " and ")
}

// Entitled is one license's entitlement to pull a repository, carried in
// the token's "berth" claim so that the registry gate can enforce what a
// registry scope cannot say: which tags, how many pulls, and whom to count
// them for.
type Entitled struct {
	License    string `json:"lic"`
	Owner      string `json:"own"`
	Versions   string `json:"v,omitempty"`
	TagPattern string `json:"p,omitempty"`
	// Until, a Unix time, limits a license that has expired under a
	// perpetual fallback to tags released before it.
	Until  int64  `json:"until,omitempty"`
	Quota  int    `json:"q,omitempty"`
	Period Period `json:"qp,omitempty"`
}

// entitledBy returns what l entitles on one repository at now.
func entitledBy(l License, now time.Time) Entitled {
	e := Entitled{License: l.ID, Owner: l.Owner, Versions: l.Entitlement.Versions, TagPattern: l.Entitlement.TagPattern,
		Quota: l.Quota.Pulls, Period: l.Quota.Period}
	if !l.Entitles(now) {
		e.Until = l.ExpiresAt.Unix()
	}
	return e
}

// TagDecision is whether an entitlement allows a tag, and why not.
type TagDecision struct {
	Allowed bool
	Reason  string
}

// AllowsTag decides whether e lets tag be pulled; released is when the tag
// last moved (zero: unknown).
func (e Entitled) AllowsTag(tag string, released time.Time) TagDecision {
	if e.Versions != "" {
		c, err := versionRange(e.Versions)
		if err != nil {
			return TagDecision{Reason: "its version range cannot be read"}
		}
		v, err := semver.NewVersion(tag)
		if err != nil {
			return TagDecision{Reason: fmt.Sprintf("it covers versions %s and %q is not a version", e.Versions, tag)}
		}
		if !c.Check(v) {
			return TagDecision{Reason: fmt.Sprintf("it covers versions %s and %s is outside that range", e.Versions, tag)}
		}
	}
	if e.TagPattern != "" {
		if ok, _ := path.Match(e.TagPattern, tag); !ok {
			return TagDecision{Reason: fmt.Sprintf("it covers tags matching %s and %s does not match", e.TagPattern, tag)}
		}
	}
	if e.Until != 0 {
		end := time.Unix(e.Until, 0).UTC()
		if released.IsZero() || released.After(end) {
			return TagDecision{Reason: fmt.Sprintf("it ended %s and keeps only tags released before then; %s was released later",
				end.Format("2006-01-02"), tag)}
		}
	}
	return TagDecision{Allowed: true}
}

// ranges keeps parsed version ranges. The gate checks a range against every
// tag a blob might belong to, on every blob request, and the ranges in use
// are few (one per tier), so each is parsed once; the bound only guards
// memory should there ever be more.
var ranges struct {
	sync.Mutex
	parsed map[string]*semver.Constraints
}

const maxRanges = 1024

// versionRange parses s as a semantic-version range, once.
func versionRange(s string) (*semver.Constraints, error) {
	ranges.Lock()
	c, ok := ranges.parsed[s]
	ranges.Unlock()
	if ok {
		return c, nil
	}
	c, err := semver.NewConstraint(s)
	if err != nil {
		return nil, err
	}
	ranges.Lock()
	if ranges.parsed == nil || len(ranges.parsed) >= maxRanges {
		ranges.parsed = make(map[string]*semver.Constraints)
	}
	ranges.parsed[s] = c
	ranges.Unlock()
	return c, nil
}

// periodKey names the quota window now falls in, and when it ends.
func periodKey(p Period, now time.Time) (string, time.Time) {
	now = now.UTC()
	if p == PerMonth {
		start := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
		return now.Format("2006-01"), start.AddDate(0, 1, 0)
	}
	start := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	return now.Format("2006-01-02"), start.AddDate(0, 0, 1)
}

// QuotaStatus is what is left of a pull quota, for RateLimit-* headers.
type QuotaStatus struct {
	Limit     int
	Remaining int
	Reset     time.Time
}

// quotaExhausted says why a license grants no pull until its quota resets.
func quotaExhausted(l License, reset time.Time) string {
	return fmt.Sprintf("the pull quota of license …%s (%d pulls a %s) is used up; it resets at %s",
		l.KeyHint, l.Quota.Pulls, l.Quota.Period, reset.UTC().Format("2006-01-02 15:04 UTC"))
}
