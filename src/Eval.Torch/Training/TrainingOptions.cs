namespace Eval.Torch.Training;

/// <summary>Hyper-parameters of one zoo training run (AdamW, warmup + cosine, gradient clipping).</summary>
public sealed record TrainingOptions(
    int Steps,
    int BatchSize,
    int Length,
    double PeakLearningRate = 3e-3,
    double MinLearningRate = 3e-4,
    int WarmupSteps = 100,
    double WeightDecay = 0.1,
    double GradientClip = 1.0,
    double PasskeyFraction = 0.3,
    double AnswerWeight = 1,
    double CopyFraction = 0,
    int Seed = 1234,
    int CheckpointEvery = 200,
    double WarmupStartFraction = 0);
