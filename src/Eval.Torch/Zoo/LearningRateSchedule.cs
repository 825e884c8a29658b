namespace Eval.Torch.Zoo;

/// <summary>Linear warmup to the peak rate, then cosine decay to a floor (nanoGPT's get_lr).</summary>
public sealed record LearningRateSchedule(double PeakRate, double MinRate, int WarmupSteps, int TotalSteps)
{
    public double At(int step)
    {
        if (step < WarmupSteps) return PeakRate * (step + 1) / WarmupSteps;
        if (step >= TotalSteps) return MinRate;
        double progress = (double)(step - WarmupSteps) / Math.Max(1, TotalSteps - WarmupSteps);
        return MinRate + 0.5 * (1 + Math.Cos(Math.PI * progress)) * (PeakRate - MinRate);
    }
}
