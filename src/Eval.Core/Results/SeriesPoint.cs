namespace Eval.Core.Results;

/// <summary>A point of a named series (per-position loss, per-trial passkey rows), with optional JSON detail.</summary>
public sealed record SeriesPoint(string Series, double X, double Y, string? ExtraJson = null);
