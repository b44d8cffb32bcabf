package mongostore

import (
	"slices"
	"strings"

	"github.com/berth/berth/account"
	"github.com/berth/berth/internal/storecodec"
)

// orgDoc is an organisation as stored in the orgs collection, members and
// teams embedded.
type orgDoc struct {
	ID          string      `bson:"_id"`
	Name        string      `bson:"name"`
	DisplayName string      `bson:"display_name"`
	Members     []memberDoc `bson:"members"`
	Teams       []teamDoc   `bson:"teams"`
	CreatedAt   int64       `bson:"created_at"`
	Version     int64       `bson:"version"`
}

// memberDoc is a member embedded in an orgDoc; members.user_id is indexed.
type memberDoc struct {
	UserID string `bson:"user_id"`
	Role   string `bson:"role"`
}

// teamDoc is a team embedded in an orgDoc. Its repositories are a list, not
// a map keyed by repository name: repository names may contain '.', which
// FerretDB (and MongoDB queries) do not accept in field names.
type teamDoc struct {
	Name         string     `bson:"name"`
	Description  string     `bson:"description"`
	Members      []string   `bson:"members"`
	Repositories []grantDoc `bson:"repositories"`
}

// grantDoc is one repository permission of a teamDoc.
type grantDoc struct {
	Repository string `bson:"repository"`
	Permission string `bson:"permission"`
}

// encodeOrg converts o to its stored form, grants ordered by repository.
// Empty lists are stored as empty arrays.
func encodeOrg(o account.Org) orgDoc {
	d := orgDoc{
		ID: o.ID, Name: o.Name, DisplayName: o.DisplayName,
		Members: make([]memberDoc, 0, len(o.Members)), Teams: make([]teamDoc, 0, len(o.Teams)),
		CreatedAt: storecodec.Time(o.CreatedAt), Version: o.Version,
	}
	for _, m := range o.Members {
		d.Members = append(d.Members, memberDoc{UserID: m.UserID, Role: string(m.Role)})
	}
	for _, t := range o.Teams {
		td := teamDoc{Name: t.Name, Description: t.Description, Members: t.Members,
			Repositories: make([]grantDoc, 0, len(t.Repositories))}
		if td.Members == nil {
			td.Members = []string{}
		}
		for repo, perm := range t.Repositories {
			td.Repositories = append(td.Repositories, grantDoc{Repository: repo, Permission: string(perm)})
		}
		slices.SortFunc(td.Repositories, func(a, b grantDoc) int { return strings.Compare(a.Repository, b.Repository) })
		d.Teams = append(d.Teams, td)
	}
	return d
}

// decodeOrg converts a stored organisation to the domain type; empty lists
// and maps read back as nil.
func decodeOrg(d orgDoc) account.Org {
	o := account.Org{
		ID: d.ID, Name: d.Name, DisplayName: d.DisplayName,
		CreatedAt: storecodec.ParseTime(d.CreatedAt), Version: d.Version,
	}
	for _, m := range d.Members {
		o.Members = append(o.Members, account.Member{UserID: m.UserID, Role: account.Role(m.Role)})
	}
	for _, td := range d.Teams {
		t := account.Team{Name: td.Name, Description: td.Description, Members: storecodec.NilIfEmpty(td.Members)}
		for _, g := range td.Repositories {
			if t.Repositories == nil {
				t.Repositories = make(map[string]account.Permission, len(td.Repositories))
			}
			t.Repositories[g.Repository] = account.Permission(g.Permission)
		}
		o.Teams = append(o.Teams, t)
	}
	return o
}
