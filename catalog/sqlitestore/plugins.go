package sqlitestore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/internal/sqldb"
)

// pluginSchema is the migration step for plugins: a tag's plugin facts as
// JSON (” for images), and the side table of each product's plugin
// capabilities, indexed by capability: Explore's interface filter starts
// from the products having one.
const pluginSchema = `ALTER TABLE tags ADD COLUMN plugin TEXT NOT NULL DEFAULT '';
	CREATE TABLE IF NOT EXISTS product_plugin_interfaces (
		product_id TEXT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
		capability TEXT NOT NULL,
		PRIMARY KEY (product_id, capability)
	) STRICT, WITHOUT ROWID;
	CREATE INDEX IF NOT EXISTS product_plugin_interfaces_capability
		ON product_plugin_interfaces (capability, product_id)`

// pluginJSON is a catalog.Plugin as stored in the tags.plugin column.
type pluginJSON struct {
	Description   string          `json:"description,omitempty"`
	Documentation string          `json:"documentation,omitempty"`
	Interfaces    []string        `json:"interfaces,omitempty"`
	Privileges    []privilegeJSON `json:"privileges,omitempty"`
}

// privilegeJSON is a privilege in a pluginJSON. Its fields match
// catalog.Privilege's one for one, so that the two convert into each other.
type privilegeJSON struct {
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Value       []string `json:"value,omitempty"`
}

// encodePlugin returns p as the tags.plugin column: ” for no plugin.
func encodePlugin(p *catalog.Plugin) (string, error) {
	if p == nil {
		return "", nil
	}
	out := pluginJSON{Description: p.Description, Documentation: p.Documentation, Interfaces: p.Interfaces}
	for _, pr := range p.Privileges {
		out.Privileges = append(out.Privileges, privilegeJSON(pr))
	}
	b, err := json.Marshal(out)
	if err != nil {
		return "", fmt.Errorf("encoding plugin: %w", err)
	}
	return string(b), nil
}

// decodePlugin reads the tags.plugin column.
func decodePlugin(s string) (*catalog.Plugin, error) {
	if s == "" {
		return nil, nil
	}
	var in pluginJSON
	if err := json.Unmarshal([]byte(s), &in); err != nil {
		return nil, err
	}
	p := &catalog.Plugin{Description: in.Description, Documentation: in.Documentation, Interfaces: in.Interfaces}
	for _, pr := range in.Privileges {
		p.Privileges = append(p.Privileges, catalog.Privilege(pr))
	}
	return p, nil
}

// SetPluginInterfaces makes capabilities, each once and sorted, the
// product's plugin interfaces, or returns catalog.ErrNotFound for an
// unknown slug.
func (s *Store) SetPluginInterfaces(ctx context.Context, slug string, capabilities []string) error {
	err := sqldb.InTx(ctx, s.db, func(tx *sql.Tx) error {
		id, err := productID(ctx, tx, slug)
		if err != nil {
			return err
		}
		return replaceInterfaces(ctx, tx, id, catalog.NormalCapabilities(capabilities))
	})
	if err != nil {
		return fmt.Errorf("setting plugin interfaces of %s: %w", slug, err)
	}
	return nil
}

// replaceInterfaces makes capabilities the rows of product id in
// product_plugin_interfaces.
func replaceInterfaces(ctx context.Context, tx *sql.Tx, id string, capabilities []string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM product_plugin_interfaces WHERE product_id = ?`, id); err != nil {
		return err
	}
	for _, c := range capabilities {
		_, err := tx.ExecContext(ctx, `INSERT INTO product_plugin_interfaces (product_id, capability)
			VALUES (?, ?)`, id, c)
		if err != nil {
			return err
		}
	}
	return nil
}
