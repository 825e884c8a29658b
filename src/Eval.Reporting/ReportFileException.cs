namespace Eval.Reporting;

/// <summary>A file of the report could not be written; <see cref="Path"/> names it and the inner exception says why.</summary>
public sealed class ReportFileException(string path, Exception cause)
    : Exception($"report file {path} cannot be written: {cause.Message}", cause)
{
    public string Path { get; } = path;
}
