// Run: java tools/RenderNotice.java local/src/main/resources/samples/notice.png
import java.awt.*;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import javax.imageio.ImageIO;
import java.io.File;

/** Renders local/src/main/resources/samples/notice.png: three lines of text, the middle one upside down. */
public class RenderNotice {
    public static void main(String[] a) throws Exception {
        BufferedImage page = new BufferedImage(900, 330, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = page.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 900, 330);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SERIF, Font.PLAIN, 48));
        g.drawString("Visionflow joins models", 40, 80);
        AffineTransform t = g.getTransform();
        g.rotate(Math.PI, 450, 170);
        g.drawString("into one API endpoint", 200, 190);
        g.setTransform(t);
        g.drawString("for every image you send", 40, 290);
        g.dispose();
        ImageIO.write(page, "png", new File(a[0]));
    }
}
