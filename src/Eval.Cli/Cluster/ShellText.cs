using System.Globalization;
using System.Text;

namespace Eval.Cli.Cluster;

/// <summary>
/// Untrusted text (a suite's name, the command line that generated a script) made safe for the places of a job script
/// that are not quoted words: comments, where a newline would end the comment and start a command, and #SBATCH values,
/// which Slurm splits and cannot quote. Quoted shell words are <see cref="CliLine.Quote"/>'s job.
/// </summary>
public static class ShellText
{
    /// <summary>Text for a comment line: control characters (newline, ESC, ...) written as visible escapes, e.g. \x0a.</summary>
    public static string Comment(string text)
    {
        var safe = new StringBuilder(text.Length);
        foreach (char c in text)
            safe.Append(char.IsControl(c) || c is '\u2028' or '\u2029' ? "\\x" + ((int)c).ToString("x2", CultureInfo.InvariantCulture) : c.ToString());
        return safe.ToString();
    }

    /// <summary>A word of letters, digits and . _ - only (anything else becomes _), never empty.</summary>
    public static string SafeWord(string text)
    {
        string word = new(text.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '_').ToArray());
        return word.Length == 0 ? "_" : word;
    }
}
