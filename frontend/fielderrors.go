package frontend

import (
	"errors"
	"fmt"
	"html"
	"html/template"
	"sort"
	"strings"
)

// fieldLabels are the words a form shows for its fields where the key
// itself is not a word ("current_password"). Others read as the key with
// its first letter in capitals.
var fieldLabels = map[string]string{
	"current_password": "Current password", "new_password": "New password", "password": "Password",
	"username": "Username", "email": "Email", "display_name": "Display name", "namespaces": "Namespaces",
	"organization": "Organisation", "slug": "Slug", "name": "Name", "repositories": "Repositories",
	"tiers": "Tiers", "trial_days": "Trial days", "pull_quota": "Pull quota", "quota_period": "Quota period",
	"tag_pattern": "Tags covered", "id": "ID", "versions": "Versions covered", "interval": "Billing period", "terms": "License terms",
	"expires_at": "Expiry", "public_key": "Public key", "logo": "Logo",
}

// fieldLabel is the human label of a field key: "tiers.0.price" reads
// "Tier 1: Price".
func fieldLabel(key string) string {
	if rest, ok := strings.CutPrefix(key, "tiers."); ok {
		i, sub, _ := strings.Cut(rest, ".")
		var n int
		if _, err := fmt.Sscanf(i, "%d", &n); err == nil {
			if sub == "" {
				return fmt.Sprintf("Tier %d", n+1)
			}
			return fmt.Sprintf("Tier %d: %s", n+1, fieldLabel(sub))
		}
	}
	if l, ok := fieldLabels[key]; ok {
		return l
	}
	if key == "" {
		return ""
	}
	s := strings.ReplaceAll(key, "_", " ")
	return strings.ToUpper(s[:1]) + s[1:]
}

// fieldProblems collects every field error err carries: a domain's
// several-field error joins one error per field, each of which classify
// maps; the map holds each field's message without its key.
func fieldProblems(err error) map[string]string {
	out := map[string]string{}
	var walk func(error)
	walk = func(e error) {
		if many, ok := e.(interface{ Unwrap() []error }); ok {
			for _, one := range many.Unwrap() {
				walk(one)
			}
			return
		}
		ae := leafError(e)
		if ae == nil || ae.Field == "" {
			if next := errors.Unwrap(e); next != nil {
				walk(next)
			}
			return
		}
		if _, seen := out[ae.Field]; !seen {
			out[ae.Field] = strings.TrimPrefix(ae.Message, ae.Field+": ")
		}
	}
	walk(err)
	return out
}

// leafError classifies one error that joins no others, or nil.
func leafError(err error) *apiError {
	if _, ok := err.(interface{ Unwrap() []error }); ok {
		return nil
	}
	for _, match := range []func(error) *apiError{frontendError, accountError, catalogError, licensingError, billingError, otherError} {
		if ae := match(err); ae != nil {
			return ae
		}
	}
	return nil
}

// summary is the message a form shows above itself: each field's label
// and problem, in the order the fields are given (then by key).
func summary(fields map[string]string, order ...string) string {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	rank := func(k string) int {
		for i, o := range order {
			if o == k || strings.HasPrefix(k, o+".") {
				return i
			}
		}
		return len(order)
	}
	sort.SliceStable(keys, func(i, j int) bool {
		if ri, rj := rank(keys[i]), rank(keys[j]); ri != rj {
			return ri < rj
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fieldLabel(k)+": "+fields[k])
	}
	return strings.Join(parts, "; ")
}

// fieldID is the id of a field's error message in form f, which the
// field names in aria-describedby.
func fieldID(f form, key string) string {
	return "error-" + f.IDPrefix + strings.NewReplacer(".", "-", "_", "-").Replace(key)
}

// fieldError is the error message shown beside a field (template func
// fieldError), or nothing when the field is fine.
func fieldError(f form, key string) template.HTML {
	msg, ok := f.Errors[key]
	if !ok {
		return ""
	}
	return template.HTML(`<span class="field-error" id="` + fieldID(f, key) + `">` + html.EscapeString(msg) + `</span>`)
}

// fieldAttrs are the attributes marking a field invalid and tying it to
// its message (template func fieldAttrs), or nothing when it is fine.
func fieldAttrs(f form, key string) template.HTMLAttr {
	if _, ok := f.Errors[key]; !ok {
		return ""
	}
	return template.HTMLAttr(`aria-invalid="true" aria-describedby="` + fieldID(f, key) + `"`)
}
