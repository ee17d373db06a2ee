package io.visionflow.local.store;

import io.visionflow.store.UsageRow;
import io.visionflow.store.UsageStore;

import java.sql.ResultSet;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

/**
 * Usage counters in SQLite. A charge is one transaction: record its id (a no-op when it is
 * already there, which ends the charge) and add to the counter with an upsert, so a redelivered
 * step never counts twice and a crash never keeps one half.
 */
final class SqliteUsageStore implements UsageStore {
    private final Db db;

    SqliteUsageStore(Db db) {
        this.db = db;
    }

    @Override
    public boolean charge(String account, LocalDate day, String flow, long credits, String chargeId) {
        return db.write("charge " + chargeId, c -> {
            if (Db.update(c, "INSERT OR IGNORE INTO charges (account, charge_id) VALUES (?, ?)", account, chargeId) == 0) {
                return false;
            }
            Db.update(c, "INSERT INTO usage (account, day, flow, credits) VALUES (?, ?, ?, ?) "
                    + "ON CONFLICT (account, day, flow) DO UPDATE SET credits = credits + excluded.credits",
                    account, day.toString(), flow, credits);
            return true;
        });
    }

    @Override
    public List<UsageRow> usage(String account, LocalDate from, LocalDate to) {
        // ISO dates compare as text in date order
        return db.readOne("read usage", c -> {
            List<UsageRow> rows = new ArrayList<>();
            try (ResultSet rs = Db.query(c, "SELECT day, flow, credits FROM usage "
                    + "WHERE account = ? AND day >= ? AND day <= ? ORDER BY day, flow", account, from.toString(),
                    to.toString())) {
                while (rs.next()) {
                    rows.add(new UsageRow(LocalDate.parse(rs.getString(1)), rs.getString(2), rs.getLong(3)));
                }
            }
            return rows;
        });
    }
}
