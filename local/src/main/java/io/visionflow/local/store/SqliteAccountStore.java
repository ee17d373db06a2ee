package io.visionflow.local.store;

import io.visionflow.store.Account;
import io.visionflow.store.AccountStore;
import io.visionflow.store.ConflictException;
import io.visionflow.store.NotFoundException;

import java.sql.ResultSet;
import java.time.Instant;
import java.util.Optional;

/** Accounts and token hashes in SQLite. */
final class SqliteAccountStore implements AccountStore {
    private final Db db;

    SqliteAccountStore(Db db) {
        this.db = db;
    }

    @Override
    public Account create(Account a) {
        return db.write("create account " + a.id(), c -> {
            if (Db.update(c, "INSERT INTO accounts (id, name, webhook_secret, created, monthly_credits) VALUES (?, ?, ?, ?, ?) "
                    + "ON CONFLICT (id) DO NOTHING", a.id(), a.name(), a.webhookSecret(),
                    a.created() == null ? null : Db.nanos(a.created()), a.monthlyCredits()) == 0) {
                throw new ConflictException("account " + a.id() + " exists");
            }
            return a;
        });
    }

    @Override
    public Optional<Account> get(String accountId) {
        return db.readOne("get account " + accountId, c -> {
            try (ResultSet rs = Db.query(c, "SELECT id, name, webhook_secret, created, monthly_credits FROM accounts WHERE id = ?",
                    accountId)) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                long created = rs.getLong(4);
                Instant at = rs.wasNull() ? null : Db.instant(created);
                long limit = rs.getLong(5);
                Long monthly = rs.wasNull() ? null : limit;
                return Optional.of(new Account(rs.getString(1), rs.getString(2), rs.getString(3), at, monthly));
            }
        });
    }

    @Override
    public void setMonthlyCredits(String accountId, Long credits) {
        db.write("set monthly credits of " + accountId, c -> {
            if (Db.update(c, "UPDATE accounts SET monthly_credits = ? WHERE id = ?", credits, accountId) == 0) {
                throw new NotFoundException("account " + accountId + " not found");
            }
            return null;
        });
    }

    @Override
    public void addToken(String accountId, String tokenHash) {
        db.write("add token", c -> {
            if (Db.update(c, "INSERT INTO tokens (hash, account) VALUES (?, ?) ON CONFLICT (hash) DO NOTHING",
                    tokenHash, accountId) == 0) {
                throw new ConflictException("token hash is already registered");
            }
            return null;
        });
    }

    @Override
    public Optional<String> accountOfToken(String tokenHash) {
        return db.readOne("look up token", c -> {
            try (ResultSet rs = Db.query(c, "SELECT account FROM tokens WHERE hash = ?", tokenHash)) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        });
    }

    @Override
    public boolean revokeToken(String tokenHash) {
        return db.write("revoke token", c -> Db.update(c, "DELETE FROM tokens WHERE hash = ?", tokenHash) > 0);
    }

    @Override
    public int revokeOtherTokens(String accountId, String keepHash) {
        return db.write("revoke other tokens", c -> Db.update(c, "DELETE FROM tokens WHERE account = ? AND hash <> ?",
                accountId, keepHash));
    }
}
