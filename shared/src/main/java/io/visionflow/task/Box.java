package io.visionflow.task;

/** An axis-aligned box in pixels of the image it was found in: {@code [x1, y1, x2, y2]}. */
public record Box(double x1, double y1, double x2, double y2) {
    public double width() {
        return Math.max(0, x2 - x1);
    }

    public double height() {
        return Math.max(0, y2 - y1);
    }

    public double area() {
        return width() * height();
    }

    public Box clip(int imageWidth, int imageHeight) {
        return new Box(clamp(x1, imageWidth), clamp(y1, imageHeight), clamp(x2, imageWidth), clamp(y2, imageHeight));
    }

    public Box pad(double pixels) {
        return new Box(x1 - pixels, y1 - pixels, x2 + pixels, y2 + pixels);
    }

    public double iou(Box other) {
        double ix = Math.max(0, Math.min(x2, other.x2) - Math.max(x1, other.x1));
        double iy = Math.max(0, Math.min(y2, other.y2) - Math.max(y1, other.y1));
        double inter = ix * iy;
        double union = area() + other.area() - inter;
        return union <= 0 ? 0 : inter / union;
    }

    private static double clamp(double v, int max) {
        return Math.max(0, Math.min(max, v));
    }
}
