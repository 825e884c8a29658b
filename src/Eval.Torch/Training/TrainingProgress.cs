namespace Eval.Torch.Training;

/// <summary>One logged training step.</summary>
public sealed record TrainingProgress(int Step, int TotalSteps, double Loss, double AnswerLoss, double CopyLoss, double LearningRate, double TokensPerSecond, TimeSpan Elapsed);
