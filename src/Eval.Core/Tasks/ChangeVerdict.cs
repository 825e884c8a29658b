namespace Eval.Core.Tasks;

/// <summary>What a change of a headline figure between two runs amounts to; only the last two are regressions.</summary>
public enum ChangeVerdict
{
    /// <summary>Better, unchanged, or worse by no more than the tolerance.</summary>
    WithinTolerance,

    /// <summary>Worse by more than the tolerance, but not by more than the two figures' sampling noise can explain.</summary>
    WithinNoise,

    /// <summary>Worse by more than the tolerance and by more than the noise: a regression.</summary>
    BeyondToleranceAndNoise,

    /// <summary>Worse by more than the tolerance, and a figure lacks what its noise is estimated from (stored before it was): a regression.</summary>
    BeyondToleranceNoiseNotRecorded,
}
