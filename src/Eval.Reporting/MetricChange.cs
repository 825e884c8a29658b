using System.Globalization;
using Eval.Core.Tasks;

namespace Eval.Reporting;

/// <summary>One headline figure of a case in two runs, with its sampling noise and what the change amounts to.</summary>
/// <param name="Paired">The paired test the verdict rests on (compare --paired), or null where noise is taken as two independent samples.</param>
public sealed record MetricChange(string Model, string Strategy, int ContextLength, string Task, HeadlineMetric Headline, double Baseline, double Candidate,
    double? Noise, ChangeVerdict Verdict, Eval.Core.Results.PairedDifference? Paired = null)
{
    public string Metric => Headline.Name;

    /// <summary>Relative change for perplexity, absolute change for accuracy (as the task's headline says).</summary>
    public double Change => Headline.Change(Baseline, Candidate);

    /// <summary>Beyond the tolerance and the noise (or beyond the tolerance where the noise was not recorded).</summary>
    public bool Regressed => Verdict is ChangeVerdict.BeyondToleranceAndNoise or ChangeVerdict.BeyondToleranceNoiseNotRecorded;

    /// <summary>The verdict in words, as `eval compare` and the report print it.</summary>
    public string Reading => Verdict switch
    {
        ChangeVerdict.WithinNoise => "within noise",
        ChangeVerdict.BeyondToleranceAndNoise => "beyond tolerance and noise",
        ChangeVerdict.BeyondToleranceNoiseNotRecorded => "beyond tolerance (noise not recorded)",
        _ => "within tolerance",
    };

    /// <summary>The 95% noise margin in the units of the change ("3.1%"), or "not recorded".</summary>
    public string NoiseText => Noise is not double noise ? "not recorded"
        : noise.ToString("0.0%", CultureInfo.InvariantCulture) + (Paired is { } p ? $" paired, p {PairedText.P(p.P)}" : "");
}
