namespace Eval.Reporting;

/// <summary>A rendered chart: its PNG file and what it shows, for the report.</summary>
public sealed record ChartFile(string Section, string Title, string Path, string Caption = "");
