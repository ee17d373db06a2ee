package io.visionflow.local;

import io.visionflow.api.WebFiles;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The flow builder end to end, in a real headless Chromium (Debian's, driven by its chromedriver
 * through Selenium) against a real local server with the demo models: sign in, see the tasks,
 * register a task from an ONNX file, build a fashion-style flow by clicking (detect the items, then
 * per item a branch on its class with a different action per branch), watch a validation error of
 * the server appear on its action and go, run an image synchronously and asynchronously and check
 * what is drawn and the credits, and see the usage chart. Screenshots of each screen go to
 * {@code target/screenshots/}.
 */
class FlowBuilderBrowserTest {
    static final Path CHROMIUM = Path.of(System.getProperty("visionflow.chromium", "/usr/bin/chromium"));
    static final Path CHROMEDRIVER = Path.of(System.getProperty("visionflow.chromedriver", "/usr/bin/chromedriver"));
    static final Path SHOTS = Path.of("target", "screenshots");

    // Selenium looks for a CDP module matching the browser's version at start; WebDriver is all we use
    private static final java.util.logging.Logger CDP_LOG = java.util.logging.Logger.getLogger("org.openqa.selenium.devtools");

    static {
        CDP_LOG.setLevel(java.util.logging.Level.SEVERE);
    }

    private WebDriver driver;
    private WebDriverWait wait;

    @Test
    void buildValidateRunAndSeeUsage() throws Exception {
        assumeFalse(Boolean.getBoolean("visionflow.browser.skip"), "browser tests skipped: -Dvisionflow.browser.skip=true");
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "browser tests skipped: " + CHROMIUM + " or " + CHROMEDRIVER + " is missing (web/install-browser.sh, run by"
                        + " the build, installs Debian's chromium and chromium-driver; see its message above)");
        assertThat(new WebFiles("/web/").present()).as("the build puts the flow builder in the jar (web/build.sh)").isTrue();
        Files.createDirectories(SHOTS);
        Path profile = Files.createTempDirectory("vf-chromium");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        // headless as root on a closed network: no sandbox, and none of Chromium's own connections
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1440,900", "--user-data-dir=" + profile);
        TestServer.run(server -> {
            driver = new ChromeDriver(service, options);
            wait = new WebDriverWait(driver, Duration.ofSeconds(30));
            try {
                signIn(server);
                tasks();
                String flowId = buildFlow();
                run(server, flowId);
                usage(flowId);
            } catch (RuntimeException | AssertionError e) {
                shot("failure");
                throw e;
            } finally {
                driver.quit();
            }
        });
    }

    private void signIn(TestServer server) {
        driver.get(server.server.uri().toString());
        shot("01-sign-in");
        type(driver.findElement(By.cssSelector("[data-field=token]")), "wrong-token");
        driver.findElement(By.cssSelector("form button[type=submit]")).click();
        until(d -> d.findElement(By.cssSelector(".signin .error")).getText().contains("not valid"));
        type(driver.findElement(By.cssSelector("[data-field=token]")), TestServer.TOKEN);
        driver.findElement(By.cssSelector("form button[type=submit]")).click();
        until(d -> text("[data-testid=flows]").contains("faces-and-text-nested"));
        assertThat(text("[data-testid=flows]")).contains("Faces and text", "yes");
    }

    private void tasks() throws IOException {
        tab("tasks");
        until(d -> text("[data-testid=tasks]").contains("text-orientation"));
        assertThat(row("tasks", "face-detector")).contains("detection", "face", "onnx");
        assertThat(row("tasks", "text-orientation")).contains("classification", "0, 180");

        // register a task: the tests' tiny brightness classifier (32x32 RGB in, dark/bright out)
        Path model = Files.createTempFile("brightness", ".onnx");
        try (InputStream in = getClass().getResourceAsStream("/models/brightness.onnx")) {
            Files.write(model, in.readAllBytes());
        }
        type(field(".register", "name"), "lighting");
        type(field(".register", "labels"), "dark, bright");
        type(field(".register", "width"), "32");
        type(field(".register", "height"), "32");
        field(".register", "model-file").sendKeys(model.toString());
        driver.findElement(By.cssSelector(".register button[type=submit]")).click();
        until(d -> text(".register [role=status]").contains("Registered task lighting"));
        until(d -> text("[data-testid=tasks]").contains("lighting"));
        assertThat(text("[data-testid=tasks]")).contains("dark, bright");
        shot("02-tasks");
    }

    /** The fashion-style flow: detect the items, then a branch per item on its class. */
    private String buildFlow() {
        tab("flows");
        click("[data-action=new-flow]");
        type(field(".flow-fields", "name"), "Text lines by orientation");
        addAction(".tree", "object_selector");
        choose(node("top_node"), "task", "text-line-detector");
        type(fieldOf("top_node", "output_field"), "lines");
        type(fieldOf("top_node", "min_prob"), "0.6");
        type(fieldOf("top_node", "padding"), "4");
        addAction("[data-slot='top_node.action']", "branch_selector");
        choose(node("top_node.action"), "task", "text-orientation");

        // the branch selector has no field yet: the server says so, on that action and that field
        until(d -> "true".equals(fieldOf("top_node.action", "field").getAttribute("aria-invalid"))
                && text("[data-testid=verdict]").contains("problem"));
        assertThat(text("[data-path='top_node.action'] > .fields")).contains("is required");
        assertThat(driver.findElement(By.cssSelector("[data-path='top_node']")).getAttribute("class")).doesNotContain("has-problems");
        shot("03-validation-error");
        type(fieldOf("top_node.action", "field"), "orientation");
        until(d -> text("[data-testid=verdict]").equals("Valid."));
        assertThat(fieldOf("top_node.action", "field").getAttribute("aria-invalid")).isNull();

        // the task's labels are offered as branches: upright lines get read for lighting; flipped ones
        // get a list that searches them for faces and reads their lighting
        assertThat(text("[data-path='top_node.action'] > .children")).contains("Branch “0”", "Branch “180”");
        addAction(slotOfBranch("0"), "recognition");
        choose(node("top_node.action.branches[0].action"), "task", "lighting");
        type(fieldOf("top_node.action.branches[0].action", "output_field"), "lighting");
        addAction(slotOfBranch("180"), "list");
        String list = "top_node.action.branches[1].action";
        String items = "[data-path='" + list + "'] > .children";
        addAction(items, "detection");
        choose(node(list + ".actions[0]"), "task", "face-detector");
        type(fieldOf(list + ".actions[0]", "output_field"), "faces_in_line");
        addAction(items, "recognition");
        choose(node(list + ".actions[1]"), "task", "lighting");
        type(fieldOf(list + ".actions[1]", "output_field"), "lighting_flipped");
        // delete an action added by mistake, and move one up with the keyboard
        addAction(items, "flow");
        click("[data-path='" + list + ".actions[2]'] > .node-tools [data-action=delete]");
        until(d -> d.findElements(By.cssSelector("[data-path='" + list + ".actions[2]']")).isEmpty());
        driver.findElement(By.cssSelector("[data-path='" + list + ".actions[1]'] > .node-tools [data-action=up]")).sendKeys(Keys.ENTER);
        until(d -> "recognition".equals(node(list + ".actions[0]").getAttribute("data-type")));
        until(d -> text("[data-testid=verdict]").equals("Valid."));
        shot("04-flow-built");

        // the JSON export is the definition the API takes
        click("details.json summary");
        click("details.json button");
        JsonNode exported = readJson(field("details.json", "json").getDomProperty("value"));
        assertThat(exported.at("/top_node/type").asText()).isEqualTo("object_selector");
        assertThat(exported.at("/top_node/action/branches").findValuesAsText("label")).containsExactly("0", "180");
        assertThat(exported.at("/top_node/action/branches/1/action/actions").findValuesAsText("type"))
                .containsExactly("recognition", "detection");
        click("[data-action=save]");
        until(d -> text("[data-testid=verdict]").contains("Saved version 1"));
        until(d -> text("[data-testid=flows]").contains("Text lines by orientation"));
        WebElement row = driver.findElements(By.cssSelector("[data-testid=flows] tbody tr")).stream()
                .filter(r -> r.getText().contains("Text lines by orientation")).findFirst().orElseThrow();
        assertThat(row.getText()).contains("yes");
        return row.getAttribute("data-id");
    }

    private void run(TestServer server, String flowId) throws Exception {
        tab("try");
        new Select(field(".try-controls", "try-flow")).selectByValue(flowId);
        Path image = Files.createTempDirectory("vf-img").resolve("notice.png");
        Files.write(image, TestServer.sample("notice.png"));
        field(".try-controls", "images").sendKeys(image.toString());
        until(d -> text(".drop").contains("notice.png"));
        click("[data-action=run]");
        until(d -> text("[data-testid=run-status]").equals("Done."));
        JsonNode answer = readJson(text("[data-testid=raw-json]"));
        JsonNode lines = answer.at("/records/0/lines");
        assertThat(lines.size()).isGreaterThanOrEqualTo(3);
        int credits = answer.at("/statistics/credits").asInt();
        // one detection, then per line its orientation and the actions of its branch (one for 0, two for 180)
        int expected = 1;
        for (JsonNode line : lines) {
            expected += line.get("orientation").asText().equals("0") ? 2 : 3;
        }
        assertThat(credits).isEqualTo(expected);
        assertThat(text("[data-testid=credits]")).contains("Credits used: " + credits);

        // a box per line, labelled with its class and probability, and a crop with its sub-results
        List<WebElement> boxes = driver.findElements(By.cssSelector(".overlay g.box"));
        assertThat(boxes).hasSize(lines.size());
        String firstLabel = "text " + Math.round(lines.get(0).get("prob").asDouble() * 100) + "%";
        assertThat(boxes.get(0).findElement(By.tagName("text")).getText()).isEqualTo(firstLabel);
        assertThat(boxes.get(0).findElement(By.tagName("rect")).getAttribute("x"))
                .isEqualTo(lines.get(0).at("/bound_box/0").asText());
        assertThat(driver.findElements(By.cssSelector(".objects canvas.crop"))).hasSize(lines.size());
        String objects = text(".objects");
        assertThat(objects).contains("orientation → 0", "orientation → 180", "lighting: ", "lighting_flipped: ", "faces_in_line: ");
        // the notice's middle line is upside down: only its branch ran the list
        for (JsonNode line : lines) {
            boolean upright = line.get("orientation").asText().equals("0");
            assertThat(line.has("lighting")).isEqualTo(upright);
            assertThat(line.has("faces_in_line") && line.has("lighting_flipped")).isEqualTo(!upright);
        }
        shot("05-try-sync");

        // the same as an async request, polled until done
        driver.findElement(By.xpath("//label[contains(., 'As an async request')]/input")).click();
        click("[data-action=run]");
        until(d -> text("[data-testid=run-status]").endsWith(": DONE"));
        until(d -> text("[data-testid=credits]").contains("Credits used: " + credits));
        assertThat(driver.findElements(By.cssSelector(".overlay g.box"))).hasSize(lines.size());
        shot("06-try-async");
    }

    private void usage(String flowId) {
        tab("usage");
        until(d -> !d.findElements(By.cssSelector("[data-testid=usage-flows] g.bar")).isEmpty());
        String bars = driver.findElements(By.cssSelector("[data-testid=usage-flows] g.bar title")).stream()
                .map(e -> e.getAttribute("textContent")).toList().toString();
        assertThat(bars).contains(flowId + ": ");
        assertThat(driver.findElements(By.cssSelector("[data-testid=usage-days] g.bar"))).isNotEmpty();
        assertThat(text("[data-testid=usage-total]")).matches("\\d+ credits from .*");
        shot("07-usage");
    }

    // ---- helpers ----

    private void until(Function<WebDriver, Boolean> condition) {
        wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                .ignoring(org.openqa.selenium.NoSuchElementException.class).until(condition::apply);
    }

    private static JsonNode readJson(String text) {
        try {
            return TestServer.JSON.readTree(text);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private String text(String css) {
        return driver.findElement(By.cssSelector(css)).getText();
    }

    private String row(String table, String id) {
        return text("[data-testid=" + table + "] tr[data-id='" + id + "']");
    }

    private void tab(String name) {
        click("[data-tab=" + name + "]");
    }

    private void click(String css) {
        driver.findElement(By.cssSelector(css)).click();
    }

    private WebElement field(String scope, String name) {
        return driver.findElement(By.cssSelector(scope + " [data-field='" + name + "']"));
    }

    private WebElement node(String path) {
        return driver.findElement(By.cssSelector("[data-path='" + path + "']"));
    }

    /** A field of the action itself, not of its children. */
    private WebElement fieldOf(String path, String name) {
        return field("[data-path='" + path + "'] > .fields", name);
    }

    private String slotOfBranch(String label) {
        WebElement slot = driver.findElements(By.cssSelector("[data-path='top_node.action'] > .children > .slot")).stream()
                .filter(s -> s.getText().contains("Branch “" + label + "”")).findFirst().orElseThrow();
        return "[data-slot='" + slot.getAttribute("data-slot") + "']";
    }

    /** Picks the option whose value is this, or whose text starts with this name ("lighting (92e1…)"). */
    private void choose(WebElement node, String name, String value) {
        Select select = new Select(node.findElement(By.cssSelector(":scope > .fields [data-field='" + name + "']")));
        WebElement option = select.getOptions().stream()
                .filter(o -> value.equals(o.getAttribute("value")) || o.getText().startsWith(value + " ("))
                .findFirst().orElseThrow(() -> new AssertionError("no option " + value + " in " + name));
        select.selectByValue(option.getAttribute("value"));
    }

    private void addAction(String scope, String type) {
        WebElement add = driver.findElements(By.cssSelector(scope + " .add-action")).getLast();
        new Select(add.findElement(By.cssSelector("select"))).selectByValue(type);
        add.findElement(By.cssSelector("[data-action=add]")).click();
    }

    private static void type(WebElement input, String value) {
        input.clear();
        input.sendKeys(value);
    }

    private void shot(String name) {
        try {
            File png = ((org.openqa.selenium.TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
            Files.copy(png.toPath(), SHOTS.resolve(name + ".png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            System.err.println("screenshot " + name + " failed: " + e);
        }
    }
}
