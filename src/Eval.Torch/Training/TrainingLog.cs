using System.Globalization;

namespace Eval.Torch.Training;

/// <summary>
/// training.log: one tab-separated line per interval of <c>every</c> steps (about a thousand lines per run), each the
/// mean of the interval's losses (skipping steps without passkey answers or copies), the last learning rate and speed.
/// </summary>
public sealed class TrainingLog(StreamWriter writer, int every)
{
    public const string Header = "step\tloss\tanswer_loss\tcopy_loss\tlearning_rate\ttokens_per_second\telapsed_seconds";

    private readonly Mean loss = new(), answer = new(), copy = new();

    /// <summary>A line every <c>steps / 1000</c> steps, at least every step.</summary>
    public static int Interval(int steps) => Math.Max(1, steps / 1000);

    public void Add(TrainingProgress p)
    {
        loss.Add(p.Loss);
        answer.Add(p.AnswerLoss);
        copy.Add(p.CopyLoss);
        if (p.Step % every != 0 && p.Step != p.TotalSteps) return;
        writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{p.Step}\t{loss.Take():F4}\t{answer.Take():F4}\t{copy.Take():F4}\t{p.LearningRate:E3}\t{p.TokensPerSecond:F0}\t{p.Elapsed.TotalSeconds:F1}"));
        writer.Flush();
    }

    private sealed class Mean
    {
        private double sum;
        private int count;

        public void Add(double value)
        {
            if (double.IsNaN(value)) return;
            sum += value;
            count++;
        }

        public double Take()
        {
            double mean = count == 0 ? double.NaN : sum / count;
            (sum, count) = (0, 0);
            return mean;
        }
    }
}
