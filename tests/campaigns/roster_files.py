"""Builders of roster files for tests, written the way a user's Excel would write them."""

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from core import pii

HOUSEHOLD_HEADER = ["村代码", "户编号", "户主姓名", "身份证号", "联系电话", "家庭人口", "住址"]
CADRE_HEADER = ["姓名", "手机号", "单位名称", "单位区划代码", "用户名"]


def id_number(seed: int, area: str = "431299") -> str:
    first17 = f"{area}19{60 + seed % 40:02d}0101{seed % 1000:03d}"
    return first17 + pii.id_number_check_digit(first17)


def xlsx(header: list[str], rows: list[list], name: str = "roster.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def csv_file(header: list[str], rows: list[list], name: str = "roster.csv", encoding: str = "utf-8-sig") -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode(encoding))


def households(village: str, count: int, start: int = 1) -> list[list]:
    return [
        [village, f"{n:04d}", f"户主{n}", id_number(n), f"1380000{n:04d}", 3, f"1组{n}号"]
        for n in range(start, start + count)
    ]
