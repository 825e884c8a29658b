namespace Eval.Reporting;

/// <summary>A rendered file: a chart's PNG and what it shows, for the report (or the report page itself, in section "report").</summary>
public sealed record ChartFile(string Section, string Title, string Path, string Caption = "");
