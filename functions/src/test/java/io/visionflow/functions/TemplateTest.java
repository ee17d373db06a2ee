package io.visionflow.functions;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import io.visionflow.store.dynamodb.DynamoStores;
import io.visionflow.store.s3.S3BlobStore;
import io.visionflow.webhook.WebhookSender;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.CreateTableResponse;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableResponse;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;

import java.io.IOException;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * template.yaml against the code it deploys: handlers in the jars CodeUri names, references,
 * least-privilege policies, the tables of {@link DynamoStores#createTables()} and
 * {@link DynamoStores#createRunsTable()}, TTL, the bucket, the step queues with their dead-letter
 * queues and consumers, and the webhook queue with its dead-letter queue and function.
 * Runs in the package phase with ApiJarTest (functions/pom.xml), after the shade step, so the
 * handler check loads classes from the jar `sam deploy` uploads, not from target/classes.
 */
class TemplateTest {
    static final Path ROOT = projectRoot();
    static final String FUNCTION = "AWS::Serverless::Function";
    static final String TABLE = "AWS::DynamoDB::Table";
    static final String BUCKET = "AWS::S3::Bucket";
    static final String QUEUE = "AWS::SQS::Queue";
    static final String WEBHOOK_HANDLER = WebhookQueueHandler.class.getName() + "::handleRequest";
    /** The variables naming the step queues (StepsEnvironment), by kind of step message. */
    static final Map<String, String> STEP_QUEUE_VARIABLES = Map.of("control", StepsEnvironment.CONTROL_QUEUE_URL,
            "model", StepsEnvironment.MODEL_QUEUE_URL, "service", StepsEnvironment.SERVICE_QUEUE_URL);
    static final Set<String> PSEUDO = Set.of("AWS::AccountId", "AWS::NotificationARNs", "AWS::NoValue",
            "AWS::Partition", "AWS::Region", "AWS::StackId", "AWS::StackName", "AWS::URLSuffix");

    static Map<String, Object> template;

    @BeforeAll
    static void parse() throws IOException {
        template = parse(Files.readString(ROOT.resolve("template.yaml")));
    }

    // --- parsing -------------------------------------------------------------------------------

    /** CloudFormation short forms (!Ref x, !GetAtt a.b, !Sub ...) become their long forms ({"Ref": x}, ...). */
    static final class CfnConstructor extends SafeConstructor {
        static final List<String> FUNCTIONS = List.of("Ref", "Condition", "GetAtt", "Sub", "Join", "If", "Equals",
                "Not", "And", "Or", "Select", "Split", "FindInMap", "GetAZs", "ImportValue", "Base64", "Cidr",
                "Transform", "Length", "ToJsonString");

        CfnConstructor() {
            super(new LoaderOptions());
            for (String fn : FUNCTIONS) {
                yamlConstructors.put(new Tag("!" + fn), new Intrinsic(fn));
            }
        }

        final class Intrinsic extends AbstractConstruct {
            private final String fn;

            Intrinsic(String fn) {
                this.fn = fn;
            }

            @Override
            public Object construct(Node node) {
                Object value;
                if (node instanceof ScalarNode s) {
                    value = constructScalar(s);
                } else if (node instanceof SequenceNode s) {
                    value = constructSequence(s);
                } else {
                    value = constructMapping((MappingNode) node);
                }
                if (fn.equals("GetAtt") && value instanceof String s) {
                    value = List.of(s.split("\\.", 2)); // the long form is [resource, attribute]
                }
                return Map.of(fn.equals("Ref") || fn.equals("Condition") ? fn : "Fn::" + fn, value);
            }
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> parse(String yaml) {
        return (Map<String, Object>) new Yaml(new CfnConstructor()).load(yaml);
    }

    @Test
    void shortFormTagsBecomeLongForms() {
        Map<String, Object> t = parse("""
                a: !Ref X
                b: !GetAtt Y.Arn
                c: !Sub ['${Z}-${v}', {v: !Ref W}]
                d: !If [Cond, !Join ['-', [!Ref P, q]], !Ref AWS::NoValue]
                """);
        assertThat(t.get("a")).isEqualTo(Map.of("Ref", "X"));
        assertThat(t.get("b")).isEqualTo(Map.of("Fn::GetAtt", List.of("Y", "Arn")));
        assertThat(t.get("c")).isEqualTo(Map.of("Fn::Sub", List.of("${Z}-${v}", Map.of("v", Map.of("Ref", "W")))));
        assertThat(t.get("d")).isEqualTo(Map.of("Fn::If", List.of("Cond",
                Map.of("Fn::Join", List.of("-", List.of(Map.of("Ref", "P"), "q"))), Map.of("Ref", "AWS::NoValue"))));
    }

    /**
     * cfn-lint, with the SAM translator it bundles, expands the Serverless resources as CloudFormation
     * would and checks every property against the resource specs. Skipped where it is not installed.
     */
    @Test
    void cfnLintAcceptsTheTemplateWhereItIsInstalled() throws Exception {
        Process probe;
        try {
            probe = new ProcessBuilder("cfn-lint", "--version").redirectErrorStream(true).start();
        } catch (IOException e) {
            assumeTrue(false, "cfn-lint is not installed");
            return;
        }
        assumeTrue(probe.waitFor() == 0, "cfn-lint does not run here");
        Process lint = new ProcessBuilder("cfn-lint", ROOT.resolve("template.yaml").toString()).redirectErrorStream(true).start();
        String out = new String(lint.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(lint.waitFor()).as(out).isZero();
    }

    /** The template's RateLimit parameter takes exactly what the API function can read. */
    @Test
    void theRateLimitParameterAcceptsWhatTheFunctionReads() {
        @SuppressWarnings("unchecked")
        Map<String, Object> parameter = (Map<String, Object>) ((Map<String, Object>) template.get("Parameters")).get("RateLimit");
        Pattern allowed = Pattern.compile((String) parameter.get("AllowedPattern"));
        for (String good : List.of("", "20/s", "20/s,40", "2.5/s")) {
            assertThat(allowed.matcher(good).matches()).as(good).isTrue();
            if (!good.isEmpty()) {
                assertThat(io.visionflow.api.RateLimit.parse(good)).as(good).isNotNull();
            }
        }
        for (String bad : List.of("20", "fast", "20/m", "20/s,", "/s")) {
            assertThat(allowed.matcher(bad).matches()).as(bad).isFalse();
        }
        assertThat(environment(props(resources(FUNCTION).get("ApiFunction"))).get(ApiEnvironment.RATE_LIMIT))
                .isEqualTo(Map.of("Ref", "RateLimit"));
    }

    // --- handlers --------------------------------------------------------------------------------

    @Test
    void everyHandlerIsALambdaHandlerInTheJarItsCodeUriNames() throws Exception {
        assumeTrue(Boolean.getBoolean("visionflow.api.jar.phase"), "runs in the package phase, after the shade step");
        Map<String, Map<String, Object>> functions = resources(FUNCTION);
        assertThat(functions).isNotEmpty();
        for (var e : functions.entrySet()) {
            Map<String, Object> p = props(e.getValue());
            Path code = ROOT.resolve((String) p.getOrDefault("CodeUri", globals().get("CodeUri")));
            assertThat(code).as(e.getKey() + " CodeUri").isRegularFile();
            // a jar CodeUri makes `sam build` fail unless the function opts out of building (aws-sam-cli#4575)
            assertThat(((Map<?, ?>) e.getValue()).get("Metadata")).as(e.getKey() + " Metadata")
                    .isEqualTo(Map.of("SkipBuild", true));
            String handler = (String) p.getOrDefault("Handler", globals().get("Handler"));
            assertThat(handler).as(e.getKey() + " Handler").matches("[\\w.$]+::\\w+");
            String className = handler.substring(0, handler.indexOf("::"));
            String method = handler.substring(handler.indexOf("::") + 2);
            // the jar alone (platform loader as parent): what Lambda's runtime sees, nothing from the test classpath
            try (URLClassLoader jar = new URLClassLoader(new URL[] {code.toUri().toURL()},
                    ClassLoader.getPlatformClassLoader())) {
                Class<?> c = Class.forName(className, false, jar);
                Class<?> requestHandler = Class.forName(RequestHandler.class.getName(), false, jar);
                Class<?> streamHandler = Class.forName(RequestStreamHandler.class.getName(), false, jar);
                assertThat(requestHandler.isAssignableFrom(c) || streamHandler.isAssignableFrom(c))
                        .as(handler + " implements RequestHandler or RequestStreamHandler").isTrue();
                assertThat(Modifier.isAbstract(c.getModifiers())).isFalse();
                assertThat(c.getConstructor()).as("Lambda needs a public no-arg constructor").isNotNull();
                assertThat(List.of(c.getMethods())).anyMatch(m -> m.getName().equals(method)
                        && m.getParameterCount() == (streamHandler.isAssignableFrom(c) ? 3 : 2));
            }
        }
    }

    @Test
    void functionsRunJava21OnArm64WithSnapStartOnAPublishedAlias() {
        for (var e : resources(FUNCTION).entrySet()) {
            Map<String, Object> p = props(e.getValue());
            assertThat(p.getOrDefault("Runtime", globals().get("Runtime"))).isEqualTo("java21");
            assertThat(p.getOrDefault("Architectures", globals().get("Architectures"))).isEqualTo(List.of("arm64"));
            // SnapStart only snapshots published versions: without an alias the API would call $LATEST
            assertThat(p.getOrDefault("SnapStart", globals().get("SnapStart")))
                    .isEqualTo(Map.of("ApplyOn", "PublishedVersions"));
            assertThat(p.getOrDefault("AutoPublishAlias", globals().get("AutoPublishAlias"))).isNotNull();
        }
    }

    @Test
    void theHttpApiSendsEveryPathToTheApiFunctionOnTheDefaultStage() {
        Map<String, Object> api = props(resources("AWS::Serverless::HttpApi").get("HttpApi"));
        // a named stage would prefix rawPath with it, and the Api's routes would not match
        assertThat(api.get("StageName")).isEqualTo("$default");
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> events = (Map<String, Map<String, Object>>) props(
                resources(FUNCTION).get("ApiFunction")).get("Events");
        Set<String> routes = new TreeSet<>();
        for (var ev : events.values()) {
            assertThat(ev.get("Type")).isEqualTo("HttpApi");
            Map<String, Object> p = props(ev);
            assertThat(p.get("ApiId")).isEqualTo(Map.of("Ref", "HttpApi"));
            routes.add(p.get("Method") + " " + p.get("Path"));
        }
        assertThat(routes).containsExactlyInAnyOrder("ANY /{proxy+}", "ANY /");
    }

    // --- references ------------------------------------------------------------------------------

    @Test
    void everyReferenceTargetsAParameterOrResource() {
        List<String> problems = new ArrayList<>();
        int checked = checkReferences(template, problems);
        assertThat(problems).isEmpty();
        assertThat(checked).as("references seen (guards against a walker that sees none)").isGreaterThan(20);
    }

    @Test
    void theReferenceCheckFindsBrokenReferences() {
        Map<String, Object> broken = parse("""
                Parameters: {P: {Type: String}}
                Resources:
                  A: {Type: AWS::S3::Bucket, Properties: {BucketName: !Sub '${P}-${AWS::Region}-${Missing1}-${!Literal}'}}
                  B: {Type: AWS::S3::Bucket, Properties: {X: !Ref Missing2, Y: !GetAtt Missing3.Arn, Z: !GetAtt A.Arn,
                      W: !Sub ['${v}-${Missing4.Arn}', {v: !Ref A}]}}
                """);
        List<String> problems = new ArrayList<>();
        checkReferences(broken, problems);
        assertThat(problems).hasSize(4).allMatch(p -> p.contains("Missing"));
    }

    /** Walks the template; returns how many references it checked and adds every undefined target to problems. */
    @SuppressWarnings("unchecked")
    static int checkReferences(Map<String, Object> t, List<String> problems) {
        Set<String> defined = new HashSet<>(PSEUDO);
        defined.addAll(((Map<String, Object>) t.getOrDefault("Parameters", Map.of())).keySet());
        defined.addAll(((Map<String, Object>) t.getOrDefault("Resources", Map.of())).keySet());
        int[] count = {0};
        walk(t, node -> {
            if (!(node instanceof Map<?, ?> m) || m.size() != 1) {
                return;
            }
            var e = m.entrySet().iterator().next();
            Object v = e.getValue();
            switch (String.valueOf(e.getKey())) {
                // SAM's Func.Alias / Func.Version name the alias and version AutoPublishAlias makes
                case "Ref" -> check(String.valueOf(v).replaceFirst("\\.(Alias|Version)$", ""), Set.of(), defined, problems, count);
                case "Fn::GetAtt" -> {
                    String target = v instanceof List<?> l ? String.valueOf(l.get(0)) : String.valueOf(v).split("\\.")[0];
                    check(target, Set.of(), defined, problems, count);
                }
                case "Fn::Sub" -> {
                    String text = v instanceof List<?> l ? String.valueOf(l.get(0)) : String.valueOf(v);
                    Set<String> locals = v instanceof List<?> l && l.size() > 1
                            ? ((Map<String, Object>) l.get(1)).keySet() : Set.of();
                    Matcher matcher = Pattern.compile("\\$\\{([^}!][^}]*)}").matcher(text);
                    while (matcher.find()) {
                        String name = matcher.group(1);
                        // ${Res.Attr} is a GetAtt, but pseudo parameters contain "::" and no attribute
                        check(name.contains("::") ? name : name.split("\\.")[0], locals, defined, problems, count);
                    }
                }
                default -> {
                }
            }
        });
        return count[0];
    }

    private static void check(String name, Set<String> locals, Set<String> defined, List<String> problems, int[] count) {
        count[0]++;
        if (!defined.contains(name) && !locals.contains(name)) {
            problems.add("undefined: " + name);
        }
    }

    static void walk(Object node, java.util.function.Consumer<Object> visit) {
        visit.accept(node);
        if (node instanceof Map<?, ?> m) {
            m.values().forEach(v -> walk(v, visit));
        } else if (node instanceof List<?> l) {
            l.forEach(v -> walk(v, visit));
        }
    }

    // --- least privilege -------------------------------------------------------------------------

    @Test
    void everyFunctionMayUseExactlyTheTablesBucketFunctionsAndQueuesOfItsEnvironment() {
        Map<String, String> tableNames = tableNameTemplates();
        for (var f : resources(FUNCTION).entrySet()) {
            Map<String, Object> p = props(f.getValue());
            assertThat(p).as(f.getKey() + ": a Role would bypass Policies").doesNotContainKey("Role");
            Map<String, Object> env = environment(p);
            boolean webhooks = WEBHOOK_HANDLER.equals(p.get("Handler"));

            // the tables the function reaches: <prefix>accounts ... <prefix>usage, named as DynamoStores does;
            // the webhook function only reads the accounts' secrets (WebhookEnvironment)
            Map<String, String> expectedTables = new TreeMap<>();
            Object prefix = env.get(ApiEnvironment.TABLE_PREFIX);
            if (prefix != null) {
                String pre = subText(prefix);
                DynamoStores named = DynamoStores.of(null, pre);
                List<String> used = new ArrayList<>(webhooks ? List.of(named.accountsTable()) : List.of(named.accountsTable(),
                        named.flowsTable(), named.tasksTable(), named.requestsTable(), named.usageTable()));
                if (namesStepQueues(env)) {
                    used.add(named.runsTable()); // async runs live there (StepsEnvironment.configure)
                }
                for (String name : used) {
                    String resource = tableNames.get(name);
                    assertThat(resource).as(f.getKey() + " uses table " + name + ", which the template must declare")
                            .isNotNull();
                    expectedTables.put(resource, webhooks ? "DynamoDBReadPolicy" : "DynamoDBCrudPolicy");
                }
            }
            Set<String> expectedBuckets = new TreeSet<>();
            Object bucket = env.get(ApiEnvironment.BUCKET);
            if (bucket != null) {
                expectedBuckets.add(refTarget(bucket));
            }

            // the worker functions it invokes: their alias (the SnapStart snapshot), never $LATEST
            Set<String> expectedFunctions = new TreeSet<>();
            for (String variable : List.of(LambdaStepInvoker.MODEL_WORKER, LambdaStepInvoker.SERVICE_WORKER)) {
                Object worker = env.get(variable);
                if (worker != null) {
                    String ref = refTarget(worker);
                    assertThat(ref).as(f.getKey() + " " + variable).endsWith(".Alias");
                    String target = ref.substring(0, ref.length() - ".Alias".length());
                    assertThat(resources(FUNCTION)).as(f.getKey() + " " + variable).containsKey(target);
                    expectedFunctions.add(target);
                }
            }

            // the queues it sends to, or receives from when an SQS event source of it is on the queue: the
            // webhook queue, and the step queues (any function that names them may continue a run, and
            // so send to each; receiving those is the event source's, whose policy SAM adds)
            Map<String, String> expectedQueues = new TreeMap<>();
            Object queue = env.get(WebhookEnvironment.QUEUE_URL);
            if (queue != null) {
                String target = refTarget(queue);
                assertThat(resources(QUEUE)).as(f.getKey() + " " + WebhookEnvironment.QUEUE_URL).containsKey(target);
                expectedQueues.put(target, sqsEvents(p).containsKey(target) ? "SQSPollerPolicy" : "SQSSendMessagePolicy");
            }
            for (String variable : STEP_QUEUE_VARIABLES.values()) {
                Object step = env.get(variable);
                if (step != null) {
                    String target = refTarget(step);
                    assertThat(resources(QUEUE)).as(f.getKey() + " " + variable).containsKey(target);
                    expectedQueues.put(target, "SQSSendMessagePolicy");
                }
            }
            if (!DEAD_LETTER_CONSUMER.equals(p.get("Handler"))) {
                // the dead-letter function reads the step queues' DLQs, which no environment names
                assertThat(expectedQueues.keySet()).as(f.getKey() + " consumes only the queues its environment names")
                        .containsAll(sqsEvents(p).keySet());
            }

            Map<String, String> tables = new TreeMap<>();
            Set<String> buckets = new TreeSet<>();
            Set<String> functions = new TreeSet<>();
            Map<String, String> queues = new TreeMap<>();
            @SuppressWarnings("unchecked")
            List<Object> policies = (List<Object>) p.getOrDefault("Policies", List.of());
            for (Object policy : policies) {
                // only SAM policy templates scoped to one named resource; a managed policy name or a
                // free statement could grant anything, so it fails here until this test learns it
                assertThat(policy).as(f.getKey() + " policy").isInstanceOf(Map.class);
                Map<?, ?> m = (Map<?, ?>) policy;
                assertThat(m).hasSize(1);
                var e = m.entrySet().iterator().next();
                Map<?, ?> args = (Map<?, ?>) e.getValue();
                switch (String.valueOf(e.getKey())) {
                    case "DynamoDBCrudPolicy", "DynamoDBReadPolicy" -> tables.put(refTarget(args.get("TableName")), e.getKey().toString());
                    case "SQSSendMessagePolicy", "SQSPollerPolicy" -> queues.put(getAttTarget(args.get("QueueName"), "QueueName"),
                            e.getKey().toString());
                    case "S3CrudPolicy", "S3ReadPolicy" -> buckets.add(refTarget(args.get("BucketName")));
                    case "LambdaInvokePolicy" -> functions.add(refTarget(args.get("FunctionName")));
                    default -> throw new AssertionError(f.getKey() + ": unchecked policy " + e.getKey());
                }
            }
            assertThat(tables).as(f.getKey() + " table policies").isEqualTo(expectedTables);
            assertThat(queues).as(f.getKey() + " queue policies").isEqualTo(expectedQueues);
            assertThat(buckets).as(f.getKey() + " bucket policies").isEqualTo(expectedBuckets);
            assertThat(functions).as(f.getKey() + " invoke policies").isEqualTo(expectedFunctions);
            for (String b : buckets) {
                assertThat(resources(BUCKET)).containsKey(b);
            }
        }
    }

    // --- webhooks --------------------------------------------------------------------------------

    /**
     * The webhook queue as the code expects it: one attempt per receive, so SQS's receive count is
     * the attempt number and its maxReceiveCount the sender's attempts; a retry's wait and the
     * dead-letter queue from there.
     */
    @Test
    void theWebhookQueueRetriesAsOftenAsTheSenderAttemptsThenMovesToItsDeadLetterQueue() {
        WebhookSender.Options sender = WebhookSender.Options.defaults();
        Map<String, Map<String, Object>> queues = resources(QUEUE);
        assertThat(queues).containsKeys("WebhookQueue", "WebhookDeadLetterQueue");
        Map<String, Object> queue = props(queues.get("WebhookQueue"));
        Map<String, Object> dlq = props(queues.get("WebhookDeadLetterQueue"));
        @SuppressWarnings("unchecked")
        Map<String, Object> redrive = (Map<String, Object>) queue.get("RedrivePolicy");
        assertThat(redrive.get("deadLetterTargetArn")).isEqualTo(Map.of("Fn::GetAtt", List.of("WebhookDeadLetterQueue", "Arn")));
        assertThat(redrive.get("maxReceiveCount")).isEqualTo(sender.maxAttempts());
        assertThat(dlq).doesNotContainKey("RedrivePolicy");

        // the function: the webhook handler, in the jar without ONNX Runtime, on an SQS event source of the queue
        Map<String, Object> function = props(resources(FUNCTION).get("WebhookFunction"));
        assertThat(function.get("Handler")).isEqualTo(WEBHOOK_HANDLER);
        assertThat(function.get("CodeUri")).isEqualTo(props(resources(FUNCTION).get("ApiFunction")).get("CodeUri"));
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> events = (Map<String, Map<String, Object>>) function.get("Events");
        assertThat(events).hasSize(1);
        Map<String, Object> source = events.values().iterator().next();
        assertThat(source.get("Type")).isEqualTo("SQS");
        Map<String, Object> mapping = props(source);
        assertThat(mapping.get("Queue")).isEqualTo(Map.of("Fn::GetAtt", List.of("WebhookQueue", "Arn")));
        assertThat(mapping.get("FunctionResponseTypes")).isEqualTo(List.of("ReportBatchItemFailures"));
        assertThat((Integer) mapping.get("BatchSize")).isBetween(1, 10);
        // nothing consumes the dead-letter queue: it keeps the webhooks for a redrive
        for (var f : resources(FUNCTION).values()) {
            walk(props(f).getOrDefault("Events", Map.of()), node -> assertThat(node)
                    .isNotEqualTo(Map.of("Fn::GetAtt", List.of("WebhookDeadLetterQueue", "Arn"))));
        }

        // the API function sends to the queue the webhook function receives from
        Object url = Map.of("Ref", "WebhookQueue");
        assertThat(environment(function).get(WebhookEnvironment.QUEUE_URL)).isEqualTo(url);
        assertThat(environment(props(resources(FUNCTION).get("ApiFunction"))).get(WebhookEnvironment.QUEUE_URL)).isEqualTo(url);

        // timing: an attempt fits the function's timeout; a batch in hand is not handed out again
        // (AWS advises 6 x the timeout); nothing expires while it waits for its retries
        int timeout = (Integer) function.get("Timeout");
        assertThat(Duration.ofSeconds(timeout)).isGreaterThan(sender.connectTimeout().plus(sender.totalTimeout()));
        assertThat((Integer) queue.get("VisibilityTimeout")).isGreaterThanOrEqualTo(6 * timeout);
        Duration waits = Duration.ZERO;
        for (int n = 1; n <= sender.maxAttempts(); n++) {
            waits = waits.plusSeconds(timeout);
            if (n < sender.maxAttempts()) {
                Duration cap = sender.baseDelay().multipliedBy(1L << (n - 1));
                waits = waits.plus(cap.compareTo(sender.maxDelay()) < 0 ? cap : sender.maxDelay());
            }
        }
        int retention = (Integer) queue.get("MessageRetentionPeriod");
        assertThat(Duration.ofSeconds(retention)).isGreaterThan(waits.multipliedBy(10));
        // a message keeps its first enqueue time in the DLQ
        assertThat((Integer) dlq.get("MessageRetentionPeriod")).isGreaterThan(retention);
    }

    // --- step queues -----------------------------------------------------------------------------

    /** The handler that consumes each kind's step queue, and the one for every dead-letter queue. */
    static final Map<String, String> STEP_CONSUMERS = Map.of(
            "control", ControlHandler.class.getName() + "::handleRequest",
            "model", ModelWorkerHandler.class.getName() + "::handleRequest",
            "service", ServiceWorkerHandler.class.getName() + "::handleRequest");
    static final String DEAD_LETTER_CONSUMER = DeadLetterHandler.class.getName() + "::handleRequest";

    /**
     * Each kind of step message has its queue, consumed by the one function whose handler holds what
     * the kind needs, with partial batch failures; a redrive to a dead-letter queue after a few
     * receives, consumed by the dead-letter function; visibility timeouts of 6 x the consumer's
     * timeout (AWS's advice for Lambda event sources).
     */
    @Test
    void eachKindOfStepHasAQueueConsumedByItsFunctionWithADeadLetterQueueEndingItsRecords() {
        Map<String, Map<String, Object>> functions = resources(FUNCTION);
        Map<String, Map<String, Object>> queues = resources(QUEUE);
        Map<String, Object> api = environment(props(functions.get("ApiFunction")));
        String deadLetterFunction = functions.entrySet().stream()
                .filter(f -> DEAD_LETTER_CONSUMER.equals(props(f.getValue()).get("Handler"))).map(Map.Entry::getKey)
                .findFirst().orElseThrow(() -> new AssertionError("no function has " + DEAD_LETTER_CONSUMER));
        Map<String, Object> dlqConsumer = props(functions.get(deadLetterFunction));
        Set<String> deadLetterQueues = new TreeSet<>();
        for (var kind : STEP_QUEUE_VARIABLES.entrySet()) {
            // the API function sends the runs' first messages, so it names every queue
            String queue = refTarget(api.get(kind.getValue()));
            Map<String, Object> q = props(queues.get(queue));
            assertThat(q).as(queue).isNotEmpty();

            // consumed by exactly one function, the one whose handler takes this kind
            List<String> consumers = functions.entrySet().stream()
                    .filter(f -> sqsEvents(props(f.getValue())).containsKey(queue)).map(Map.Entry::getKey).toList();
            assertThat(consumers).as(queue + " consumers").hasSize(1);
            Map<String, Object> consumer = props(functions.get(consumers.get(0)));
            assertThat(consumer.get("Handler")).as(queue + " consumer").isEqualTo(STEP_CONSUMERS.get(kind.getKey()));
            if (kind.getKey().equals("control")) {
                // control steps call no model: the jar without ONNX Runtime
                assertThat(consumer.get("CodeUri")).isEqualTo(props(functions.get("ApiFunction")).get("CodeUri"));
            }
            Map<String, Object> mapping = sqsEvents(consumer).get(queue);
            assertThat(mapping.get("FunctionResponseTypes")).as(queue).isEqualTo(List.of("ReportBatchItemFailures"));
            assertThat((Integer) mapping.get("BatchSize")).as(queue).isBetween(1, 10);
            // a run is a chain of hops: none waits to fill a batch
            assertThat(mapping.get("MaximumBatchingWindowInSeconds")).as(queue).isEqualTo(0);
            assertThat((Integer) q.get("VisibilityTimeout")).as(queue).isGreaterThanOrEqualTo(6 * timeout(consumer));

            // a consumer continues runs: it names every queue and the tables, as the API function does
            Map<String, Object> env = environment(consumer);
            for (String variable : STEP_QUEUE_VARIABLES.values()) {
                assertThat(env.get(variable)).as(consumers.get(0) + " " + variable).isEqualTo(api.get(variable));
            }
            assertThat(env.get(ApiEnvironment.TABLE_PREFIX)).as(consumers.get(0)).isEqualTo(api.get(ApiEnvironment.TABLE_PREFIX));
            assertThat(env.get(ApiEnvironment.BUCKET)).as(consumers.get(0)).isEqualTo(api.get(ApiEnvironment.BUCKET));

            // the redrive: a poison message leaves after a few receives, for a queue without one
            @SuppressWarnings("unchecked")
            Map<String, Object> redrive = (Map<String, Object>) q.get("RedrivePolicy");
            assertThat(redrive).as(queue + " RedrivePolicy").isNotNull();
            String dlq = getAttTarget(redrive.get("deadLetterTargetArn"), "Arn");
            assertThat((Integer) redrive.get("maxReceiveCount")).as(queue).isBetween(3, 10);
            Map<String, Object> d = props(queues.get(dlq));
            assertThat(d).as(dlq).doesNotContainKey("RedrivePolicy");
            assertThat(deadLetterQueues.add(dlq)).as(dlq + " serves one queue").isTrue();
            // a message keeps its first enqueue time when moved: its DLQ keeps it longer
            assertThat((Integer) d.getOrDefault("MessageRetentionPeriod", 345600))
                    .isGreaterThan((Integer) q.getOrDefault("MessageRetentionPeriod", 345600));

            // its dead letters end their records, in the dead-letter function
            Map<String, Object> deadLetters = sqsEvents(dlqConsumer).get(dlq);
            assertThat(deadLetters).as(dlq + " is consumed by " + deadLetterFunction).isNotNull();
            assertThat(deadLetters.get("FunctionResponseTypes")).as(dlq).isEqualTo(List.of("ReportBatchItemFailures"));
            assertThat((Integer) deadLetters.get("BatchSize")).as(dlq).isBetween(1, 10);
            assertThat((Integer) d.get("VisibilityTimeout")).as(dlq).isGreaterThanOrEqualTo(6 * timeout(dlqConsumer));
        }
        assertThat(sqsEvents(dlqConsumer).keySet()).isEqualTo(deadLetterQueues);
        // the dead-letter function reads the runs as the others do
        for (String variable : STEP_QUEUE_VARIABLES.values()) {
            assertThat(environment(dlqConsumer).get(variable)).isEqualTo(api.get(variable));
        }
    }

    /** The variables the functions read are the ones StepsEnvironment reads, and name queues of the template. */
    @Test
    void theStepQueueVariablesAreThoseTheFunctionsRead() {
        Map<String, String> env = new java.util.HashMap<>();
        STEP_QUEUE_VARIABLES.forEach((kind, variable) -> env.put(variable, "https://sqs/" + kind));
        assertThat(StepsEnvironment.queues(env)).isEqualTo(Map.of("control", "https://sqs/control",
                "model", "https://sqs/model", "service", "https://sqs/service"));
        for (var f : resources(FUNCTION).entrySet()) {
            Map<String, Object> env2 = environment(props(f.getValue()));
            if (namesStepQueues(env2)) {
                assertThat(env2.keySet()).as(f.getKey()).containsAll(STEP_QUEUE_VARIABLES.values());
            }
        }
    }

    // --- tables ----------------------------------------------------------------------------------

    /**
     * createTables() against a client that records the CreateTable requests: the code's own table
     * definitions, with no emulator to start (dynalite would only echo the same requests back).
     */
    @Test
    void theTablesAreExactlyThoseOfCreateTables() {
        Recorder recorder = new Recorder();
        String prefix = subText(environment(props(resources(FUNCTION).get("ApiFunction"))).get(ApiEnvironment.TABLE_PREFIX));
        DynamoStores.of(recorder, prefix).createTables().createRunsTable();
        Map<String, String> byName = tableNameTemplates();
        assertThat(byName.keySet()).as("every table in the template is one createTables() makes")
                .containsExactlyInAnyOrderElementsOf(recorder.created.stream().map(CreateTableRequest::tableName).toList());

        for (CreateTableRequest r : recorder.created) {
            Map<String, Object> p = props(resources(TABLE).get(byName.get(r.tableName())));
            String where = r.tableName();
            assertThat(p.get("BillingMode")).as(where).isEqualTo(r.billingModeAsString());
            assertThat(keys(p.get("KeySchema"))).as(where + " key").isEqualTo(
                    r.keySchema().stream().map(k -> k.attributeName() + ":" + k.keyTypeAsString()).toList());
            assertThat(attributes(p.get("AttributeDefinitions"))).as(where + " attributes").isEqualTo(
                    new TreeSet<>(r.attributeDefinitions().stream()
                            .map(a -> a.attributeName() + ":" + a.attributeTypeAsString()).toList()));
            Map<String, String> expectedGsis = new TreeMap<>();
            r.globalSecondaryIndexes().forEach(g -> expectedGsis.put(g.indexName(), String.join(",",
                    g.keySchema().stream().map(k -> k.attributeName() + ":" + k.keyTypeAsString()).toList())
                    + " " + g.projection().projectionTypeAsString()));
            Map<String, String> gsis = new TreeMap<>();
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> declared = (List<Map<String, Object>>) p.getOrDefault("GlobalSecondaryIndexes", List.of());
            for (Map<String, Object> g : declared) {
                gsis.put((String) g.get("IndexName"), String.join(",", keys(g.get("KeySchema")))
                        + " " + ((Map<?, ?>) g.get("Projection")).get("ProjectionType"));
            }
            assertThat(gsis).as(where + " GSIs").isEqualTo(expectedGsis);
            assertThat(p).as(where).doesNotContainKey("LocalSecondaryIndexes");
        }
        assertThat(recorder.created).extracting(r -> r.globalSecondaryIndexes().stream().map(g -> g.indexName()).toList())
                .contains(List.of("by_account"), List.of("newest"));
    }

    /**
     * TTL on exactly the tables whose store writes expires_at: read from the stores' code (comments
     * stripped), so a store that starts expiring items fails here until the template follows.
     */
    @Test
    void ttlIsOnExactlyTheTablesWhoseItemsCarryExpiresAt() throws IOException {
        DynamoStores named = DynamoStores.of(null, "");
        Map<String, String> storeOfTable = Map.of(named.accountsTable(), "DynamoAccountStore",
                named.flowsTable(), "DynamoFlowStore", named.tasksTable(), "DynamoTaskStore",
                named.requestsTable(), "DynamoRequestStore", named.usageTable(), "DynamoUsageStore",
                named.runsTable(), "DynamoAsyncState");
        Path sources = ROOT.resolve("shared/src/main/java/io/visionflow/store/dynamodb");
        Set<String> expiring = new TreeSet<>();
        for (var e : storeOfTable.entrySet()) {
            String code = Files.readString(sources.resolve(e.getValue() + ".java"))
                    .replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\n]*", "");
            if (code.contains("expires_at")) {
                expiring.add(e.getKey());
            }
        }
        assertThat(expiring).containsExactlyInAnyOrder(named.requestsTable(), named.usageTable(), named.runsTable());

        String prefix = subText(environment(props(resources(FUNCTION).get("ApiFunction"))).get(ApiEnvironment.TABLE_PREFIX));
        Set<String> withTtl = new TreeSet<>();
        for (var e : tableNameTemplates().entrySet()) {
            Object ttl = props(resources(TABLE).get(e.getValue())).get("TimeToLiveSpecification");
            if (ttl != null) {
                assertThat(ttl).isEqualTo(Map.of("AttributeName", "expires_at", "Enabled", true));
                withTtl.add(e.getKey().substring(prefix.length()));
            }
        }
        assertThat(withTtl).isEqualTo(expiring);
    }

    // --- alarms ----------------------------------------------------------------------------------

    @Test
    void whatNoRetryFixedRaisesAnAlarmThatNotifiesTheTopicWhenOneIsGiven() {
        Map<String, Map<String, Object>> alarms = resources("AWS::CloudWatch::Alarm");
        assertThat(alarms).containsOnlyKeys("DeadLetteredStepsAlarm", "GivenUpWebhooksAlarm");
        // every step DLQ is consumed by the dead-letter function, so its invocations are the signal
        for (Map<String, Object> q : List.of(props(resources(QUEUE).get("ControlStepQueue")), props(resources(QUEUE).get("ModelStepQueue")),
                props(resources(QUEUE).get("ServiceStepQueue")))) {
            String dlq = (String) ((List<?>) ((Map<?, ?>) ((Map<?, ?>) q.get("RedrivePolicy")).get("deadLetterTargetArn")).get("Fn::GetAtt")).get(0);
            assertThat(eventQueues("DeadLetterFunction")).contains(dlq);
        }
        Map<String, Object> steps = props(alarms.get("DeadLetteredStepsAlarm"));
        assertThat(steps).containsEntry("Namespace", "AWS/Lambda").containsEntry("MetricName", "Invocations");
        assertThat(steps.get("Dimensions")).isEqualTo(List.of(Map.of("Name", "FunctionName", "Value", Map.of("Ref", "DeadLetterFunction"))));
        Map<String, Object> webhooks = props(alarms.get("GivenUpWebhooksAlarm"));
        assertThat(webhooks).containsEntry("Namespace", "AWS/SQS").containsEntry("MetricName", "ApproximateNumberOfMessagesVisible");
        assertThat(webhooks.get("Dimensions")).isEqualTo(List.of(Map.of("Name", "QueueName",
                "Value", Map.of("Fn::GetAtt", List.of("WebhookDeadLetterQueue", "QueueName")))));
        // nothing consumes the webhook DLQ, so its depth is the signal
        assertThat(resources(FUNCTION).keySet()).allSatisfy(f -> assertThat(eventQueues(f)).doesNotContain("WebhookDeadLetterQueue"));

        @SuppressWarnings("unchecked")
        Map<String, Object> conditions = (Map<String, Object>) template.get("Conditions");
        assertThat(conditions.get("NotifyAlarms")).isEqualTo(Map.of("Fn::Not", List.of(Map.of("Fn::Equals",
                List.of(Map.of("Ref", "AlarmTopicArn"), "")))));
        for (Map<String, Object> alarm : List.of(steps, webhooks)) {
            assertThat(alarm).containsEntry("Threshold", 0).containsEntry("ComparisonOperator", "GreaterThanThreshold")
                    .containsEntry("TreatMissingData", "notBreaching");
            assertThat(alarm.get("AlarmActions")).isEqualTo(Map.of("Fn::If", List.of("NotifyAlarms",
                    List.of(Map.of("Ref", "AlarmTopicArn")), Map.of("Ref", "AWS::NoValue"))));
        }
    }

    /** The queues a function's SQS events read, by resource name. */
    @SuppressWarnings("unchecked")
    private List<String> eventQueues(String function) {
        Map<String, Object> events = (Map<String, Object>) props(resources(FUNCTION).get(function)).getOrDefault("Events", Map.of());
        return events.values().stream().map(e -> (Map<String, Object>) e).filter(e -> "SQS".equals(e.get("Type")))
                .map(e -> (String) ((List<?>) ((Map<?, ?>) ((Map<?, ?>) e.get("Properties")).get("Queue")).get("Fn::GetAtt")).get(0))
                .toList();
    }

    // --- bucket ----------------------------------------------------------------------------------

    @Test
    void theBucketExpiresRequestImagesAndLargeRequestDataAndKeepsModels() {
        Map<String, Map<String, Object>> buckets = resources(BUCKET);
        assertThat(buckets).containsOnlyKeys("BlobBucket");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> rules = (List<Map<String, Object>>) ((Map<String, Object>) props(
                buckets.get("BlobBucket")).get("LifecycleConfiguration")).get("Rules");
        List<Map<String, Object>> expiring = rules.stream().filter(r -> r.containsKey("ExpirationInDays")).toList();
        assertThat(expiring).extracting(r -> r.get("Prefix"))
                .containsExactlyInAnyOrder(S3BlobStore.IMAGE_PREFIX, S3BlobStore.REQUEST_PREFIX);
        assertThat(expiring).allSatisfy(r -> assertThat(r.get("Status")).isEqualTo("Enabled"));
        Map<String, Object> images = expiring.stream().filter(r -> r.get("Prefix").equals(S3BlobStore.IMAGE_PREFIX)).findFirst().orElseThrow();
        assertThat(images.get("ExpirationInDays")).isEqualTo(Map.of("Ref", "ImageRetentionDays"));
        // a finished request's JSON outlives the request (retention plus a day of TTL lag), and no
        // run outlives the SQS retention of its messages (14 days)
        Map<String, Object> requests = expiring.stream().filter(r -> r.get("Prefix").equals(S3BlobStore.REQUEST_PREFIX)).findFirst().orElseThrow();
        int days = ((Number) requests.get("ExpirationInDays")).intValue();
        assertThat(Duration.ofDays(days)).isGreaterThan(DynamoStores.REQUEST_RETENTION.plusDays(1)).isGreaterThan(Duration.ofDays(14));
    }

    @Test
    void outputsNameTheApiUrlBucketAndTables() {
        @SuppressWarnings("unchecked")
        Map<String, Object> outputs = (Map<String, Object>) template.get("Outputs");
        assertThat(outputs).containsKeys("ApiUrl", "BlobBucketName", "TablePrefix");
        Set<Object> values = new HashSet<>();
        outputs.values().forEach(o -> values.add(((Map<?, ?>) o).get("Value")));
        for (String table : resources(TABLE).keySet()) {
            assertThat(values).contains(Map.of("Ref", table));
        }
    }

    // --- helpers ---------------------------------------------------------------------------------

    static Path projectRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("template.yaml"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("no template.yaml above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Map<String, Object>> resources(String type) {
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        ((Map<String, Map<String, Object>>) template.get("Resources")).forEach((k, v) -> {
            if (type.equals(v.get("Type"))) {
                out.put(k, v);
            }
        });
        return out;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> props(Map<String, Object> resource) {
        return (Map<String, Object>) resource.getOrDefault("Properties", Map.of());
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> globals() {
        return (Map<String, Object>) ((Map<String, Object>) template.getOrDefault("Globals", Map.of()))
                .getOrDefault("Function", Map.of());
    }

    /** The function's variables over the Globals' ones, as SAM merges them. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> environment(Map<String, Object> function) {
        Map<String, Object> env = new LinkedHashMap<>();
        for (Map<String, Object> p : List.of(globals(), function)) {
            Map<String, Object> e = (Map<String, Object>) p.get("Environment");
            if (e != null && e.get("Variables") != null) {
                env.putAll((Map<String, Object>) e.get("Variables"));
            }
        }
        return env;
    }

    /** Table name (as its !Sub text, e.g. "${AWS::StackName}-${Stage}-flows") → table resource. */
    static Map<String, String> tableNameTemplates() {
        Map<String, String> out = new TreeMap<>();
        resources(TABLE).forEach((k, v) -> out.put(subText(props(v).get("TableName")), k));
        return out;
    }

    /** The text of a one-argument !Sub (or a plain string), compared symbolically. */
    static String subText(Object value) {
        if (value instanceof String s) {
            return s;
        }
        Object sub = ((Map<?, ?>) value).get("Fn::Sub");
        assertThat(sub).as("expected a !Sub string: " + value).isInstanceOf(String.class);
        return (String) sub;
    }

    /** The resource of {@code !GetAtt Resource.attribute}. */
    static String getAttTarget(Object value, String attribute) {
        assertThat(value).as("expected a !GetAtt").isInstanceOf(Map.class);
        Object target = ((Map<?, ?>) value).get("Fn::GetAtt");
        assertThat(target).as("expected a !GetAtt: " + value).isInstanceOf(List.class);
        assertThat(((List<?>) target).get(1)).isEqualTo(attribute);
        return (String) ((List<?>) target).get(0);
    }

    /** The SQS event sources of a function: their properties, by the queue they read. */
    static Map<String, Map<String, Object>> sqsEvents(Map<String, Object> function) {
        Map<String, Map<String, Object>> out = new TreeMap<>();
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> events = (Map<String, Map<String, Object>>) function.getOrDefault("Events", Map.of());
        for (Map<String, Object> e : events.values()) {
            if ("SQS".equals(e.get("Type"))) {
                out.put(getAttTarget(props(e).get("Queue"), "Arn"), props(e));
            }
        }
        return out;
    }

    /** Whether a function's environment names step queues, so that it sends and may handle step messages. */
    static boolean namesStepQueues(Map<String, Object> env) {
        return STEP_QUEUE_VARIABLES.values().stream().anyMatch(env::containsKey);
    }

    /** A function's timeout in seconds, its own or the Globals'. */
    static int timeout(Map<String, Object> function) {
        return (Integer) function.getOrDefault("Timeout", globals().get("Timeout"));
    }

    static String refTarget(Object value) {
        assertThat(value).as("expected a !Ref").isInstanceOf(Map.class);
        Object target = ((Map<?, ?>) value).get("Ref");
        assertThat(target).as("expected a !Ref: " + value).isInstanceOf(String.class);
        return (String) target;
    }

    static List<String> keys(Object schema) {
        return ((List<?>) schema).stream().map(k -> ((Map<?, ?>) k).get("AttributeName") + ":"
                + ((Map<?, ?>) k).get("KeyType")).toList();
    }

    static Set<String> attributes(Object definitions) {
        return new TreeSet<>(((List<?>) definitions).stream().map(k -> ((Map<?, ?>) k).get("AttributeName") + ":"
                + ((Map<?, ?>) k).get("AttributeType")).toList());
    }

    /** Records CreateTable and answers every DescribeTable with ACTIVE; every other call is unsupported. */
    static final class Recorder implements DynamoDbClient {
        final List<CreateTableRequest> created = new ArrayList<>();

        @Override
        public CreateTableResponse createTable(CreateTableRequest request) {
            created.add(request);
            return CreateTableResponse.builder().build();
        }

        @Override
        public DescribeTableResponse describeTable(DescribeTableRequest request) {
            return DescribeTableResponse.builder().table(TableDescription.builder().tableName(request.tableName())
                    .tableStatus(TableStatus.ACTIVE).build()).build();
        }

        @Override
        public String serviceName() {
            return "dynamodb";
        }

        @Override
        public void close() {
        }
    }
}
