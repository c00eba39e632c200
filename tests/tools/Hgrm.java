// Reference for the hgrm export: reads "value count" lines into an
// HdrHistogram Histogram and prints its percentile distribution, as the
// HdrHistogram library itself writes it.
// Usage: java -cp hdrhistogram.jar:. Hgrm LOWEST HIGHEST FIGURES SCALE < counts
import java.io.BufferedReader;
import java.io.InputStreamReader;
import org.HdrHistogram.Histogram;

public class Hgrm {
    public static void main(String[] args) throws Exception {
        Histogram h = new Histogram(Long.parseLong(args[0]), Long.parseLong(args[1]),
                                    Integer.parseInt(args[2]));
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        for (String line; (line = in.readLine()) != null; ) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 2)
                h.recordValueWithCount(Long.parseLong(f[0]), Long.parseLong(f[1]));
        }
        h.outputPercentileDistribution(System.out, Double.parseDouble(args[3]));
    }
}
