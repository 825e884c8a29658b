namespace Eval.Torch.Training;

/// <summary>
/// Linear warmup to the peak rate, then cosine decay to a floor (nanoGPT's get_lr). Warmup starts from
/// <paramref name="WarmupStartFraction"/> of the peak (PI fine-tunes from 10%; the zoo from 0); a floor equal to the
/// peak is a constant rate after warmup.
/// </summary>
public sealed record LearningRateSchedule(double PeakRate, double MinRate, int WarmupSteps, int TotalSteps, double WarmupStartFraction = 0)
{
    public double At(int step)
    {
        if (step < WarmupSteps) return PeakRate * (WarmupStartFraction + (1 - WarmupStartFraction) * (step + 1) / WarmupSteps);
        if (step >= TotalSteps) return MinRate;
        double progress = (double)(step - WarmupSteps) / Math.Max(1, TotalSteps - WarmupSteps);
        return MinRate + 0.5 * (1 + Math.Cos(Math.PI * progress)) * (PeakRate - MinRate);
    }
}
