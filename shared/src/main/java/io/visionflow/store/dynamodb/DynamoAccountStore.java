package io.visionflow.store.dynamodb;

import io.visionflow.store.Account;
import io.visionflow.store.AccountStore;
import io.visionflow.store.ConflictException;
import io.visionflow.store.NotFoundException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import static io.visionflow.store.dynamodb.Dynamo.call;
import static io.visionflow.store.dynamodb.Dynamo.s;
import static io.visionflow.store.dynamodb.Dynamo.str;

/**
 * Accounts and token hashes in one table keyed by {@code pk} alone: {@code ACCOUNT#<id>} and
 * {@code TOKEN#<sha256>}, so a token lookup (every API call) is one strongly consistent GetItem.
 * Token items carry {@code token_of}, the key of the sparse index {@code by_account} that
 * {@link #revokeOtherTokens} queries. See TABLES.md.
 */
public final class DynamoAccountStore implements AccountStore {
    static final String BY_ACCOUNT = "by_account";

    private final DynamoDbClient client;
    private final String table;
    private final Integer pageSize;

    public DynamoAccountStore(DynamoDbClient client, String table) {
        this(client, table, null);
    }

    /** @param pageSize items per Query page (null: DynamoDB's 1 MB pages); small in tests, to cross pages */
    DynamoAccountStore(DynamoDbClient client, String table, Integer pageSize) {
        this.pageSize = pageSize;
        this.client = client;
        this.table = table;
    }

    @Override
    public Account create(Account account) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("pk", s("ACCOUNT#" + account.id()));
        item.put("id", s(account.id()));
        // DynamoDB has no null string: an absent attribute reads back as null
        if (account.name() != null) {
            item.put("name", s(account.name()));
        }
        if (account.webhookSecret() != null) {
            item.put("webhook_secret", s(account.webhookSecret()));
        }
        if (account.created() != null) {
            item.put("created", Dynamo.instant(account.created()));
        }
        if (account.monthlyCredits() != null) {
            item.put("monthly_credits", Dynamo.n(account.monthlyCredits()));
        }
        call("create account", () -> {
            try {
                return client.putItem(b -> b.tableName(table).item(item).conditionExpression("attribute_not_exists(pk)"));
            } catch (ConditionalCheckFailedException e) {
                throw new ConflictException("account " + account.id() + " exists");
            }
        });
        return account;
    }

    @Override
    public Optional<Account> get(String accountId) {
        Map<String, AttributeValue> item = call("get account", () -> client.getItem(b -> b.tableName(table)
                .key(Map.of("pk", s("ACCOUNT#" + accountId))).consistentRead(true))).item();
        if (item == null || item.isEmpty()) {
            return Optional.empty();
        }
        AttributeValue limit = item.get("monthly_credits");
        return Optional.of(new Account(str(item, "id"), str(item, "name"), str(item, "webhook_secret"),
                Dynamo.time(item, "created"), limit == null || limit.n() == null ? null : Long.valueOf(limit.n())));
    }

    @Override
    public void setMonthlyCredits(String accountId, Long credits) {
        call("set monthly credits", () -> {
            try {
                return client.updateItem(b -> {
                    b.tableName(table).key(Map.of("pk", s("ACCOUNT#" + accountId))).conditionExpression("attribute_exists(pk)");
                    if (credits == null) {
                        b.updateExpression("REMOVE monthly_credits");
                    } else {
                        b.updateExpression("SET monthly_credits = :c").expressionAttributeValues(Map.of(":c", Dynamo.n(credits)));
                    }
                });
            } catch (ConditionalCheckFailedException e) {
                throw new NotFoundException("account " + accountId + " not found");
            }
        });
    }

    @Override
    public void addToken(String accountId, String tokenHash) {
        // one item and one conditional put: no hash can ever name two accounts
        call("add token", () -> {
            try {
                return client.putItem(b -> b.tableName(table)
                        .item(Map.of("pk", s("TOKEN#" + tokenHash), "token_of", s(accountId)))
                        .conditionExpression("attribute_not_exists(pk)"));
            } catch (ConditionalCheckFailedException e) {
                throw new ConflictException("token hash already registered");
            }
        });
    }

    @Override
    public Optional<String> accountOfToken(String tokenHash) {
        Map<String, AttributeValue> item = call("get token", () -> client.getItem(b -> b.tableName(table)
                .key(Map.of("pk", s("TOKEN#" + tokenHash))).consistentRead(true))).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.ofNullable(str(item, "token_of"));
    }

    @Override
    public boolean revokeToken(String tokenHash) {
        Map<String, AttributeValue> old = call("revoke token", () -> client.deleteItem(b -> b.tableName(table)
                .key(Map.of("pk", s("TOKEN#" + tokenHash))).returnValues(ReturnValue.ALL_OLD))).attributes();
        return old != null && !old.isEmpty();
    }

    /**
     * The index is eventually consistent in DynamoDB, so a token added in the same instant may be
     * missed; the one host using this (one token per account) replaces tokens long before it revokes.
     */
    @Override
    public int revokeOtherTokens(String accountId, String keepHash) {
        int revoked = 0;
        for (Map<String, AttributeValue> key : Dynamo.queryAll(client, QueryRequest.builder().tableName(table).limit(pageSize)
                .indexName(BY_ACCOUNT).keyConditionExpression("token_of = :a")
                .expressionAttributeValues(Map.of(":a", s(accountId))).build())) {
            String pk = str(key, "pk");
            if (pk.equals("TOKEN#" + keepHash)) {
                continue;
            }
            // conditional on the owner, so a stale index entry can never revoke another account's token
            boolean deleted = call("revoke token", () -> {
                try {
                    client.deleteItem(b -> b.tableName(table).key(Map.of("pk", s(pk)))
                            .conditionExpression("token_of = :a").expressionAttributeValues(Map.of(":a", s(accountId))));
                    return true;
                } catch (ConditionalCheckFailedException e) {
                    return false;
                }
            });
            revoked += deleted ? 1 : 0;
        }
        return revoked;
    }
}
