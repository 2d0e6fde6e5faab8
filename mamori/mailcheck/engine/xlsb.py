"""Excel 4 (XLM) formulas of a binary workbook (.xlsb, BIFF12): the records of a macro sheet
decoded back to formula text such as EXEC("cmd /c …"), for the evidence of a mail check.
Pure (no Django); only the function numbers and operators that matter as evidence are named."""

from __future__ import annotations

# Excel function numbers (MS-XLS Ftab/Cetab; command equivalents have the high bit set) of the
# Excel 4 functions that matter as evidence.
XLM_FUNCTIONS = {
    0x0035: "GOTO",
    0x0036: "HALT",
    0x0037: "RETURN",
    0x006C: "SET.VALUE",
    0x006E: "EXEC",
    0x006F: "CHAR",
    0x007B: "DIRECTORY",
    0x0084: "FOPEN",
    0x0085: "FCLOSE",
    0x0089: "FWRITELN",
    0x008A: "FWRITE",
    0x0095: "REGISTER",
    0x0096: "CALL",
    0x00A6: "FILES",
    0x00B9: "GET.CELL",
    0x00BA: "GET.WORKSPACE",
    0x010B: "REGISTER.ID",
    0x8011: "RUN",
    0x8060: "FORMULA",
    0x8061: "FORMULA.FILL",
    0x8076: "ALERT",
    0x8094: "ON.TIME",
    0x8095: "WAIT",
}
BINARY_OPERATORS = {
    3: "+",
    4: "-",
    5: "*",
    6: "/",
    7: "^",
    8: "&",
    9: "<",
    10: "<=",
    11: "=",
    12: ">=",
    13: ">",
    14: "<>",
}
# Bytes that follow each operand token in BIFF12 (MS-XLSB 2.5.98); None: stop decoding.
XLSB_OPERAND_SIZES = {
    0x1C: 1,
    0x1D: 1,
    0x1E: 2,
    0x1F: 8,
    0x23: 4,
    0x24: 6,
    0x25: 12,
    0x2A: 6,
    0x2B: 12,
    0x2C: 6,
    0x2D: 12,
    0x39: 6,
    0x3A: 8,
    0x3B: 14,
    0x3C: 8,
    0x3D: 14,
}


def xlsb_formulas(data: bytes, limit: int = 200) -> list[str]:
    """Formula text of the cells of an XLSB (BIFF12) macro sheet, as far as it can be rebuilt."""
    formulas: list[str] = []
    index = 0
    while index < len(data) and len(formulas) < limit:
        record, index = _varint(data, index, 2)
        size, index = _varint(data, index, 4)
        if record < 0 or size < 0 or index + size > len(data):
            break
        body = data[index : index + size]
        index += size
        if record not in (8, 9, 10, 11) or len(body) < 14:
            continue  # BrtFmlaString / Num / Bool / Error carry a formula
        offset = 8  # the cell: column and style
        if record == 8:
            offset += 4 + 2 * int.from_bytes(body[8:12], "little")
        else:
            offset += {9: 8, 10: 1, 11: 1}[record]
        offset += 2  # grbitFlags
        cce = int.from_bytes(body[offset : offset + 4], "little")
        text = _rgce_text(body[offset + 4 : offset + 4 + cce])
        if text:
            formulas.append(text)
    return formulas


def _varint(data: bytes, index: int, most: int) -> tuple[int, int]:
    value = 0
    for shift in range(most):
        if index >= len(data):
            return -1, index
        byte = data[index]
        index += 1
        value |= (byte & 0x7F) << (7 * shift)
        if not byte & 0x80:
            break
    return value, index


def _rgce_text(rgce: bytes) -> str:
    stack: list[str] = []
    i = 0
    while i < len(rgce):
        ptg = rgce[i]
        # value (0x40–0x5F) and array (0x60–0x7F) classes of a token: its reference-class code
        base = ptg - 0x20 if 0x40 <= ptg < 0x60 else ptg - 0x40 if 0x60 <= ptg < 0x80 else ptg
        i += 1
        if ptg in BINARY_OPERATORS and len(stack) >= 2:
            right, left = stack.pop(), stack.pop()
            stack.append(f"{left}{BINARY_OPERATORS[ptg]}{right}")
        elif ptg == 0x15 and stack:
            stack.append(f"({stack.pop()})")
        elif 0x12 <= ptg <= 0x14 or ptg == 0x16:
            stack.append("" if ptg == 0x16 else stack.pop() if stack else "")
        elif ptg == 0x17:
            count = int.from_bytes(rgce[i : i + 2], "little")
            stack.append('"' + rgce[i + 2 : i + 2 + 2 * count].decode("utf-16-le", "replace") + '"')
            i += 2 + 2 * count
        elif ptg == 0x19:
            flags = rgce[i] if i < len(rgce) else 0
            cases = int.from_bytes(rgce[i + 1 : i + 3], "little")
            i += 3 + (2 * (cases + 1) if flags & 0x04 else 0)
        elif ptg == 0x1E:
            stack.append(str(int.from_bytes(rgce[i : i + 2], "little")))
            i += 2
        elif ptg == 0x1D:
            stack.append("TRUE" if rgce[i : i + 1] == b"\x01" else "FALSE")
            i += 1
        elif base in (0x21, 0x22):
            count = 0
            if base == 0x22:
                count, i = rgce[i] & 0x7F if i < len(rgce) else 0, i + 1
            number = int.from_bytes(rgce[i : i + 2], "little")
            i += 2
            name = XLM_FUNCTIONS.get(number, f"FUNC{number & 0x7FFF}")
            args = [stack.pop() for _ in range(min(count, len(stack)))][::-1]
            stack.append(f"{name}({','.join(args)})")
        elif base in XLSB_OPERAND_SIZES:
            stack.append("ref" if base not in (0x1C, 0x1F) else "?")
            i += XLSB_OPERAND_SIZES[base]
        else:
            break  # a token this reader does not know: keep what was rebuilt
    return ",".join(part for part in stack if part)
