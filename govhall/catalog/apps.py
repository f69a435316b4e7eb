from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "govhall.catalog"
    label = "catalog"
    verbose_name = "事项目录"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from govhall.core.audit import register_action_labels

        register_action_labels({
            "item_create": (_("新建"), _("第 {version} 版")),
            "item_draft_open": (_("打开草稿"), _("第 {version} 版（复制自第 {from} 版）")),
            "version_update": (_("修改"), _("第 {version} 版 {note}")),
            "item_publish": (_("发布"), _("第 {version} 版")),
            "material_attach_form": (_("上传表格"), _("第 {version} 版 材料 {material}（{kind}）")),
            "theme_create": (_("新建主题"), "{code}"),
            "theme_update": (_("修改主题"), "{code}"),
            "catalog_import_start": (_("提交导入"), "{filename}"),
            "catalog_import_finish": (_("导入结束"), "{status}"),
        })
