package io.visionflow.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.service.BuiltinServices;
import io.visionflow.service.ImageService;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The built-in services on this machine: milliseconds per input megapixel (median of the rounds,
 * after one warm-up call that also loads the model) and peak Java heap during a call, each next to
 * plain decode + PNG encode of the same image, the least any image service has to do. ONNX Runtime
 * allocates natively, so the heap column leaves the model's own buffers out; the process's peak
 * resident memory (VmHWM) is printed at the end.
 *
 * <p>Run with {@code ./visionflow bench} (after the engine benchmarks), rounds from
 * {@code -Dbench.service.rounds} (default 5).
 */
public final class ServiceBench {
    private static final int ROUNDS = Integer.getInteger("bench.service.rounds", 5);
    private static final ObjectMapper JSON = new ObjectMapper();

    private ServiceBench() {
    }

    public static void main(String[] args) throws Exception {
        byte[] photo = jpeg(io.visionflow.service.ServiceFixtures.bicubic(read("/photos/astronaut.jpg"), 2)); // 1024x1024, 1.05 MP
        byte[] page = png(textPage());                                    // 1000x700 of printed lines
        System.out.printf(Locale.ROOT, "Visionflow service benchmarks: %d rounds, %d cores, Java %s%n%n",
                ROUNDS, Runtime.getRuntime().availableProcessors(), Runtime.version());
        System.out.printf(Locale.ROOT, "%-58s %8s %13s %15s %9s%n",
                "service (params) on image", "ms/MP", "peak heap MB", "decode+encode", "heap MB");
        try (BuiltinServices services = BuiltinServices.open()) {
            row(services, "dominant_colors", "{}", "photo 1024x1024 JPEG", photo);
            row(services, "dominant_colors", "{\"mode\": \"product\"}", "photo 1024x1024 JPEG", photo);
            row(services, "remove_background", "{}", "photo 1024x1024 JPEG", photo);
            row(services, "upscale", "{\"factor\": 2}", "photo 1024x1024 JPEG", photo);
            row(services, "read_text", "{}", "page 1000x700 PNG", page);
        }
        System.out.println();
        System.out.println("process peak resident memory (VmHWM): " + vmHwm());
    }

    private static void row(BuiltinServices services, String name, String params, String imageName, byte[] bytes)
            throws Exception {
        ImageService service = services.catalog().find(name).orElseThrow();
        ObjectNode p = (ObjectNode) JSON.readTree(params);
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(bytes));
        double mp = image.getWidth() * (double) image.getHeight() / 1e6;
        Measured plain = measure(() -> png(ImageIO.read(new ByteArrayInputStream(bytes))));
        Measured call = measure(() -> service.run(ImageIO.read(new ByteArrayInputStream(bytes)), p));
        System.out.printf(Locale.ROOT, "%-58s %8.0f %13.0f %15.0f %9.0f%n",
                name + " " + params + " " + imageName, call.millis / mp, call.heapMb, plain.millis / mp, plain.heapMb);
    }

    @FunctionalInterface
    private interface Work {
        Object run() throws Exception;
    }

    private record Measured(double millis, double heapMb) {
    }

    /** Median time over the rounds after one warm-up; the heap's peak above what was live before a call. */
    private static Measured measure(Work work) throws Exception {
        work.run();
        double[] times = new double[ROUNDS];
        double peak = 0;
        for (int i = 0; i < ROUNDS; i++) {
            System.gc();
            long before = heapUsed();
            resetPeaks();
            long start = System.nanoTime();
            work.run();
            times[i] = (System.nanoTime() - start) / 1e6;
            peak = Math.max(peak, (heapPeak() - before) / 1048576.0);
        }
        Arrays.sort(times);
        return new Measured(times[ROUNDS / 2], peak);
    }

    private static List<MemoryPoolMXBean> heapPools() {
        List<MemoryPoolMXBean> pools = new ArrayList<>();
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP && p.isValid()) {
                pools.add(p);
            }
        }
        return pools;
    }

    private static long heapUsed() {
        return heapPools().stream().mapToLong(p -> p.getUsage().getUsed()).sum();
    }

    private static void resetPeaks() {
        heapPools().forEach(MemoryPoolMXBean::resetPeakUsage);
    }

    /** The sum of the pools' peaks: an upper bound of the heap's peak (pools peak at different times). */
    private static long heapPeak() {
        return heapPools().stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum();
    }

    private static String vmHwm() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return line.substring(6).trim();
                }
            }
        } catch (IOException e) {
            return "not available (" + e.getMessage() + ")";
        }
        return "not available";
    }

    private static BufferedImage read(String resource) throws IOException {
        try (InputStream in = ServiceBench.class.getResourceAsStream(resource)) {
            return ImageIO.read(in);
        }
    }

    private static BufferedImage textPage() {
        BufferedImage img = new BufferedImage(1000, 700, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 1000, 700);
        g.setColor(Color.BLACK);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 32));
        for (int i = 0; i < 12; i++) {
            g.drawString("Line " + (i + 1) + ": every record of a request gets its own answer", 30, 50 + i * 54);
        }
        g.dispose();
        return img;
    }

    private static byte[] jpeg(BufferedImage image) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "jpeg", out);
        return out.toByteArray();
    }

    private static byte[] png(BufferedImage image) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }
}
