package io.visionflow.store.memory;

import io.visionflow.store.Account;
import io.visionflow.store.AccountStore;
import io.visionflow.store.ConflictException;
import io.visionflow.store.NotFoundException;

import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/** Accounts and token hashes in memory. */
public final class MemoryAccountStore implements AccountStore {
    private final ConcurrentMap<String, Account> accounts = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, String> tokens = new ConcurrentHashMap<>();

    @Override
    public Account create(Account account) {
        if (accounts.putIfAbsent(account.id(), account) != null) {
            throw new ConflictException("account " + account.id() + " exists");
        }
        return account;
    }

    @Override
    public Optional<Account> get(String accountId) {
        return Optional.ofNullable(accounts.get(accountId));
    }

    @Override
    public void setMonthlyCredits(String accountId, Long credits) {
        if (accounts.computeIfPresent(accountId, (id, a) -> a.withMonthlyCredits(credits)) == null) {
            throw new NotFoundException("account " + accountId + " not found");
        }
    }

    @Override
    public void addToken(String accountId, String tokenHash) {
        if (tokens.putIfAbsent(tokenHash, accountId) != null) {
            throw new ConflictException("token hash is already registered");
        }
    }

    @Override
    public Optional<String> accountOfToken(String tokenHash) {
        return Optional.ofNullable(tokens.get(tokenHash));
    }

    @Override
    public boolean revokeToken(String tokenHash) {
        return tokens.remove(tokenHash) != null;
    }

    @Override
    public int revokeOtherTokens(String accountId, String keepHash) {
        int[] removed = {0};
        tokens.entrySet().removeIf(e -> {
            boolean other = e.getValue().equals(accountId) && !e.getKey().equals(keepHash);
            removed[0] += other ? 1 : 0;
            return other;
        });
        return removed[0];
    }
}
