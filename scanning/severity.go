package scanning

import (
	"encoding/json"
	"strings"

	cvss30 "github.com/pandatix/go-cvss/30"
	cvss31 "github.com/pandatix/go-cvss/31"
)

// Severity is a finding's qualitative rating, as CVSS v3 names the bands.
type Severity string

// Severities from worst to least; Unknown when a record gives neither a
// vector nor a rating (the Go database gives none).
const (
	Critical Severity = "CRITICAL"
	High     Severity = "HIGH"
	Medium   Severity = "MEDIUM"
	Low      Severity = "LOW"
	Unknown  Severity = "UNKNOWN"
)

// Rank orders severities for sorting and for a hold's threshold: Critical
// is 4, Unknown 0.
func (s Severity) Rank() int {
	switch s {
	case Critical:
		return 4
	case High:
		return 3
	case Medium:
		return 2
	case Low:
		return 1
	}
	return 0
}

// severityOf takes the affected entry's CVSS vector, else the record's,
// else a rating from database_specific.severity (GitHub, Debian trackers
// and our generated OS records write one there).
func severityOf(a Advisory, af Affected) (Severity, float64) {
	for _, list := range [][]OSVSeverity{af.Severity, a.Severity} {
		for _, s := range list {
			if score, ok := cvssScore(s); ok {
				return band(score), score
			}
		}
	}
	for _, raw := range []json.RawMessage{af.DatabaseSpecific, a.DatabaseSpecific} {
		var ds struct {
			Severity string `json:"severity"`
		}
		if len(raw) > 0 && json.Unmarshal(raw, &ds) == nil {
			switch s := Severity(strings.ToUpper(ds.Severity)); s {
			case Critical, High, Medium, Low:
				return s, 0
			case "MODERATE":
				return Medium, 0
			}
		}
	}
	return Unknown, 0
}

// cvssScore computes a CVSS v3 vector's base score with a CVSS library.
func cvssScore(s OSVSeverity) (float64, bool) {
	if s.Type != "CVSS_V3" {
		return 0, false
	}
	switch {
	case strings.HasPrefix(s.Score, "CVSS:3.1/"):
		v, err := cvss31.ParseVector(s.Score)
		if err != nil {
			return 0, false
		}
		return v.BaseScore(), true
	case strings.HasPrefix(s.Score, "CVSS:3.0/"):
		v, err := cvss30.ParseVector(s.Score)
		if err != nil {
			return 0, false
		}
		return v.BaseScore(), true
	}
	return 0, false
}

// band is CVSS v3's qualitative rating of a base score.
func band(score float64) Severity {
	switch {
	case score >= 9:
		return Critical
	case score >= 7:
		return High
	case score >= 4:
		return Medium
	case score > 0:
		return Low
	}
	return Unknown
}
