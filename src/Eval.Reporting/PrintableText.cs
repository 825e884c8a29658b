using System.Globalization;
using System.Text;

namespace Eval.Reporting;

/// <summary>
/// Untrusted text (names from suites, checkpoint folders, databases; error messages quoting them) made safe to show:
/// control characters are written visibly (\n, \r, \t, \x1b) so an escape sequence in a model name cannot drive the
/// terminal and a newline cannot forge a line of the plain output that schedulers keep. Line and paragraph
/// separators and bidirectional overrides, which reorder or break what is shown, are written as \uXXXX.
/// Backslashes are kept as they are (Windows paths stay readable), so the escaping shows, it does not round-trip.
/// The terminal reporters, the commands and the HTML report all use this one rendering.
/// </summary>
public static class PrintableText
{
    public static string Of(string? text)
    {
        if (string.IsNullOrEmpty(text) || !text.Any(NeedsEscape)) return text ?? "";
        var printable = new StringBuilder(text.Length + 8);
        foreach (char c in text)
            printable.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(c) => "\\x" + ((int)c).ToString("x2", CultureInfo.InvariantCulture),
                _ when NeedsEscape(c) => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
                _ => c.ToString(),
            });
        return printable.ToString();
    }

    /// <summary>Each line of a message meant to span lines (an error listing several problems), made printable on its own.</summary>
    public static IEnumerable<string> Lines(string? text) =>
        (text ?? "").Split(Environment.NewLine).SelectMany(line => line.Split('\n')).Select(Of);

    private static bool NeedsEscape(char c) =>
        char.IsControl(c) || char.GetUnicodeCategory(c) is UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
        || c is >= '\u202a' and <= '\u202e' or >= '\u2066' and <= '\u2069';
}
